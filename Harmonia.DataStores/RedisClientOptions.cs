using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Harmonia.DataStores;

/// <summary>The <c>Harmonia:Redis</c> section: how long any Redis command may take, in every service.</summary>
public sealed class RedisClientOptions
{
    public const string SectionName = "Harmonia:Redis";

    /// <summary>
    /// How long any Redis command may take before it fails (StackExchange.Redis's async and sync timeouts, checked on
    /// a 250 ms heartbeat). Every wait on Redis ends here at the latest, so a feature's own Redis wait may not be set
    /// longer: the client would end it first and the setting would promise a wait that never happens (checked at start).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Checks a feature's own wait for Redis, the setting <paramref name="setting"/>, against <see cref="CommandTimeout"/>.</summary>
    public ValidateOptionsResult Allows(string setting, TimeSpan wait) =>
        wait <= CommandTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{setting} ({wait}) cannot be longer than {SectionName}:{nameof(CommandTimeout)} ({CommandTimeout}), which ends every Redis call first.");
}
