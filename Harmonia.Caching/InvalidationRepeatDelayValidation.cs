using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// Checks at start that every area's reads land before invalidations are repeated (<see cref="InvalidationRepeats"/>):
/// a read that raced a write stores its value after at most the area's <see cref="CacheAreaOptions.FactoryHardTimeout"/>
/// and one Redis write (<see cref="HarmoniaCacheOptions.DistributedCacheTimeout"/>); a repeat made sooner could come
/// before that value and leave it cached until the area's <c>Expiration</c>.
/// </summary>
internal sealed class InvalidationRepeatDelayValidation(IOptions<HarmoniaCacheOptions> options) : IValidateOptions<CacheAreaOptions>
{
    public ValidateOptionsResult Validate(string? name, CacheAreaOptions area)
    {
        var cache = options.Value;
        var longestRead = area.FactoryHardTimeout + cache.DistributedCacheTimeout;
        return cache.InvalidationRepeatDelay > longestRead
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{HarmoniaCacheOptions.SectionName}:{nameof(HarmoniaCacheOptions.InvalidationRepeatDelay)} ({cache.InvalidationRepeatDelay}) must be longer than "
                + $"the {name} area's {nameof(CacheAreaOptions.FactoryHardTimeout)} plus {nameof(HarmoniaCacheOptions.DistributedCacheTimeout)} ({longestRead}), "
                + "or a read that raced a write can store its older value after the write's repeated invalidation.");
    }
}
