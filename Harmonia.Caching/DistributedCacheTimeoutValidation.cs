using Harmonia.DataStores;
using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// Checks at start that the cache's wait for Redis fits within the Redis client's command timeout: a longer one would
/// never happen, because the client fails the call first.
/// </summary>
internal sealed class DistributedCacheTimeoutValidation(IOptions<RedisClientOptions> client) : IValidateOptions<HarmoniaCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, HarmoniaCacheOptions options) =>
        client.Value.Allows($"{HarmoniaCacheOptions.SectionName}:{nameof(HarmoniaCacheOptions.DistributedCacheTimeout)}", options.DistributedCacheTimeout);
}
