using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

public static class HybridCacheLookups
{
    /// <summary>
    /// Reads an entity that may not exist through the cache: a found value lives for the area's durations, a miss
    /// only for its <see cref="CacheAreaOptions.MissExpiration"/>. With FusionCache the adapter stores a null with the
    /// short options from the start, also when FusionCache runs the lookup again after the call returned (eager refresh).
    /// Microsoft's engine takes the entry's options before the factory runs, so the caller whose lookup found nothing
    /// stores the miss again with the short options; until then (one write) the miss has the long ones there.
    /// Concurrent callers still share one lookup.
    /// </summary>
    public static async ValueTask<T?> GetOrLookUpAsync<TState, T>(
        this HybridCache cache,
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T?>> lookUp,
        CacheAreaOptions area,
        CancellationToken cancellationToken)
        where T : class
    {
        var miss = new MissFlag();
        var value = await cache.GetOrCreateAsync(
            key,
            (state, lookUp, miss),
            static async (arguments, token) =>
            {
                var found = await arguments.lookUp(arguments.state, token);
                arguments.miss.Found = found is not null;
                arguments.miss.LookedUp = true;
                return found;
            },
            area.EntryOptions,
            cancellationToken: cancellationToken);

        if (miss is { LookedUp: true, Found: false })
        {
            await cache.SetAsync<T?>(key, null, area.MissEntryOptions, cancellationToken: cancellationToken);
        }

        return value;
    }

    private sealed class MissFlag
    {
        public bool LookedUp { get; set; }

        public bool Found { get; set; }
    }
}
