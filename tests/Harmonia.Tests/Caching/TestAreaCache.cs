using System.Diagnostics.Metrics;
using Harmonia.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Tests.Caching;

/// <summary>
/// Harmonia's HybridCache adapter over a FusionCache a test builds, wired as the product wires it (read outcomes
/// attached, counted in <see cref="CacheMetrics"/>) for one area, <c>test</c>, whose keys start <c>cache:test:</c>.
/// </summary>
internal sealed class TestAreaCache : IDisposable
{
    public const string Area = "test";

    private readonly ServiceProvider _services;

    public TestAreaCache(FusionCache fusion, TimeProvider timeProvider, Action<CacheAreaOptions>? area = null)
    {
        var registry = new CacheAreaRegistry();
        registry.Add(Area, "cache:test:");
        _services = new ServiceCollection().AddMetrics().Configure(Area, area ?? (_ => { })).BuildServiceProvider();
        Metrics = new CacheMetrics(_services.GetRequiredService<IMeterFactory>(), Options.Create(registry));
        var areas = _services.GetRequiredService<IOptionsMonitor<CacheAreaOptions>>();
        var outcomes = new FusionCacheReadOutcomes(Options.Create(registry), areas, Metrics, timeProvider);
        outcomes.Attach(fusion);
        Adapter = new FusionHybridCacheAdapter(fusion, Options.Create(registry), areas, outcomes);
    }

    public FusionHybridCacheAdapter Adapter { get; }

    public CacheMetrics Metrics { get; }

    public void Dispose() => _services.Dispose();
}
