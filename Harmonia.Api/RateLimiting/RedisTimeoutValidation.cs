using Harmonia.DataStores;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// Checks at start that a decision's wait for Redis fits within the Redis client's command timeout. A longer one
/// would never happen: the client fails the call first and the replica decides alone, so a setting meant to keep a
/// slow Redis deciding (a busy machine) would still turn decisions local after the command timeout.
/// </summary>
internal sealed class RedisTimeoutValidation(IOptions<RedisClientOptions> client) : IValidateOptions<RateLimitingOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options) =>
        client.Value.Allows($"{RateLimitingOptions.SectionName}:{nameof(RateLimitingOptions.RedisTimeout)}", options.RedisTimeout);
}
