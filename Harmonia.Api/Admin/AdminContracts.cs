namespace Harmonia.Api.Admin;

/// <summary>One replica's view of the cache: its own counters and L1, and the shared Redis.</summary>
public sealed record CacheStatsResponse(
    string Replica,
    IReadOnlyList<CacheAreaStats> Areas,
    LocalCacheStats L1,
    RedisStats Redis);

/// <summary>Reads of one area on this replica since it started.</summary>
public sealed record CacheAreaStats(string Area, long L1Hits, long L2Hits, long Misses, long StaleHits, double HitRatio);

public sealed record LocalCacheStats(long Entries, long EstimatedBytes);

/// <summary>
/// Redis memory and key counts per namespace, over every primary of a cluster. Keys are counted with <c>SCAN</c>
/// (never <c>KEYS</c>) up to a budget; <see cref="Complete"/> says whether every key of every primary was seen.
/// </summary>
public sealed record RedisStats(
    long UsedMemoryBytes,
    long MaxMemoryBytes,
    long EvictedKeys,
    long KeyspaceHits,
    long KeyspaceMisses,
    IReadOnlyDictionary<string, long> KeysByNamespace,
    bool Complete);

public sealed record CacheCommandResponse(string Outcome);
