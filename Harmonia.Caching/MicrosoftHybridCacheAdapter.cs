using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// Microsoft's engine behind the <see cref="HybridCache"/> API, with the one thing Harmonia adds to every engine: a
/// factory's null is an entity's absence, kept only for its area's <see cref="CacheAreaOptions.MissExpiration"/>
/// (<see cref="FusionHybridCacheAdapter"/> does the same for FusionCache). This engine takes an entry's options before
/// its factory runs, so the read whose factory found nothing stores the absence again with the area's miss options;
/// until that one write, the absence has the found entry's durations there. Concurrent readers still share one factory.
/// </summary>
internal sealed class MicrosoftHybridCacheAdapter(
    HybridCache engine, IOptions<CacheAreaRegistry> registry, IOptionsMonitor<CacheAreaOptions> areaOptions) : HybridCache
{
    private readonly CacheAreaRegistry _areas = registry.Value;

    public override async ValueTask<T> GetOrCreateAsync<TState, T>(
        string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        if (_areas.AreaOf(key) is not { } area)
        {
            return await engine.GetOrCreateAsync(key, state, factory, options, tags, cancellationToken);
        }

        var lookUp = new LookUp<TState, T>(state, factory);
        var value = await engine.GetOrCreateAsync(key, lookUp, static (lookUp, token) => lookUp.RunAsync(token), options, tags, cancellationToken);
        if (lookUp.FoundNothing)
        {
            await engine.SetAsync(key, value, areaOptions.Get(area).MissEntryOptions, tags, cancellationToken);
        }

        return value;
    }

    public override ValueTask SetAsync<T>(
        string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
        engine.SetAsync(key, value, options, tags, cancellationToken);

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        engine.RemoveAsync(key, cancellationToken);

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        engine.RemoveByTagAsync(tag, cancellationToken);

    /// <summary>The caller's factory, remembering whether this read ran it and it found nothing.</summary>
    private sealed class LookUp<TState, T>(TState state, Func<TState, CancellationToken, ValueTask<T>> factory)
    {
        public bool FoundNothing { get; private set; }

        public async ValueTask<T> RunAsync(CancellationToken cancellationToken)
        {
            var value = await factory(state, cancellationToken);
            FoundNothing = value is null;
            return value;
        }
    }
}
