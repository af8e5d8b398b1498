using Harmonia.Api.Auth;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Harmonia.Caching;
using Harmonia.DataStores;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Api.Admin;

/// <summary>What an administrator (or the dashboard) can see of and do to the cache.</summary>
public sealed class CacheAdministration(
    HybridCache cache,
    CacheMetrics metrics,
    LocalCacheStatistics localCache,
    IOptions<CacheAreaRegistry> areas,
    IConnectionMultiplexer redis,
    SessionStore sessions,
    ProfileService profiles,
    LibraryService library,
    IOptions<AdminOptions> options)
{
    /// <summary>Stop counting keys after this many, so the statistics stay cheap on a large Redis.</summary>
    private const int KeyCountBudget = 100_000;

    public async Task<CacheStatsResponse> GetStatsAsync()
    {
        var areaStats = metrics.Snapshot()
            .Select(area => new CacheAreaStats(area.Area, area.LocalHits, area.DistributedHits, area.Misses, area.StaleHits, area.HitRatio))
            .ToList();
        return new CacheStatsResponse(
            Environment.MachineName,
            areaStats,
            new LocalCacheStats(localCache.Entries, localCache.EstimatedBytes),
            await GetRedisStatsAsync());
    }

    /// <summary>Drops every cached entry (or those with <paramref name="tag"/>) on every replica.</summary>
    public async Task ClearAsync(string? tag)
    {
        // "*" is HybridCache's tag for everything; FusionCache turns it into a clear of every replica.
        await cache.RemoveByTagAsync(tag ?? "*");
        metrics.Invalidation("all", "admin-clear");
    }

    /// <summary>Preloads the profiles and first library pages of the most recently active users; returns how many.</summary>
    public async Task<int> WarmAsync(CancellationToken cancellationToken)
    {
        var recent = await sessions.Sessions.Find(session => session.RevokedAt == null)
            .SortByDescending(session => session.LastActivityAt)
            .Limit(options.Value.WarmUsers * 4)
            .ToListAsync(cancellationToken);
        var users = recent.Select(session => session.UserId).Distinct().Take(options.Value.WarmUsers).ToList();
        foreach (var userId in users)
        {
            await profiles.GetAsync(userId, cancellationToken);
            await library.GetPageAsync(userId, new LibraryQuery(null, null, null), cancellationToken);
        }

        return users.Count;
    }

    /// <summary>
    /// Memory and evictions summed over the primaries, and keys counted on each of them: on a cluster every primary
    /// holds only its own slots, so a <c>SCAN</c> of one server would see a fraction of the keys.
    /// </summary>
    private async Task<RedisStats> GetRedisStatsAsync()
    {
        var info = await RedisServerInfo.ReadAsync(redis);
        if (!info.IsAvailable)
        {
            return new RedisStats(0, 0, 0, 0, 0, new Dictionary<string, long>(), Complete: false);
        }

        var namespaces = new Dictionary<string, long>();
        var counted = 0;
        foreach (var primary in RedisServerInfo.ConnectedPrimaries(redis))
        {
            await foreach (var key in primary.KeysAsync(pageSize: 1000))
            {
                if (++counted > KeyCountBudget)
                {
                    break;
                }

                var name = NamespaceOf(key.ToString());
                namespaces[name] = namespaces.GetValueOrDefault(name) + 1;
            }
        }

        return new RedisStats(
            info.Number("used_memory") ?? 0,
            info.Number("maxmemory") ?? 0,
            info.Number("evicted_keys") ?? 0,
            info.Number("keyspace_hits") ?? 0,
            info.Number("keyspace_misses") ?? 0,
            namespaces,
            Complete: info.IsComplete && counted <= KeyCountBudget);
    }

    /// <summary>A cache area's name for its keys; otherwise the key's first segment (<c>job</c>, <c>rate</c>, FusionCache's <c>__fc</c>).</summary>
    private string NamespaceOf(string key) =>
        areas.Value.AreaOf(key) ?? (key.IndexOf(':', StringComparison.Ordinal) is > 0 and var end ? key[..end] : key);
}
