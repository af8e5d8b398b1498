using Harmonia.DataStores;
using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// Checks at start that the cache's wait for Redis fits within the Redis client's command timeout: a longer one would
/// never happen, because the client fails the call first.
/// </summary>
internal sealed class DistributedCacheTimeoutValidation(IOptions<RedisClientOptions> client) : IValidateOptions<HarmoniaCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, HarmoniaCacheOptions options)
    {
        var commandTimeout = client.Value.CommandTimeout;
        return options.DistributedCacheTimeout <= commandTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{HarmoniaCacheOptions.SectionName}:{nameof(HarmoniaCacheOptions.DistributedCacheTimeout)} ({options.DistributedCacheTimeout}) cannot be longer than "
                + $"{RedisClientOptions.SectionName}:{nameof(RedisClientOptions.CommandTimeout)} ({commandTimeout}), which ends every Redis call first.");
    }
}
