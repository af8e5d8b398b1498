using System.Threading.Channels;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Harmonia.Caching;

/// <summary>
/// Makes each invalidation once more after <see cref="HarmoniaCacheOptions.InvalidationRepeatDelay"/> (the "delayed
/// double delete" of cache-aside). A read that missed both levels before a write, and stores what it read from MongoDB
/// after the write's invalidation, puts the older value back in Redis and in L1, and the cache writes
/// unconditionally; it would then be served until the area's <c>Expiration</c>. Repeated once such a read has had
/// time to land, the invalidation drops it, so the older value lasts at most the delay (docs/caching.md). Repeats
/// wait in memory, in the order they were made (one delay for all, so that is the order they fall due): a process
/// that stops before one is due loses it, and that one write keeps the race's old bound.
/// </summary>
/// <param name="fusion">
/// FusionCache when it is the engine: a write-through's entry is then expired rather than removed, so replicas that
/// hold it keep it as fail-safe's fallback (it is most likely the newest value). Removals repeat as removals.
/// </param>
public sealed partial class InvalidationRepeats(
    HybridCache cache,
    CacheMetrics metrics,
    IOptions<HarmoniaCacheOptions> options,
    TimeProvider timeProvider,
    ILogger<InvalidationRepeats> logger,
    IFusionCache? fusion = null) : BackgroundService
{
    /// <summary>Reported as the reason of a repeated invalidation in <c>harmonia.cache.invalidations</c>.</summary>
    public const string Reason = "repeat";

    /// <summary>Repeats waiting at most; past it the oldest are dropped, so a burst of writes cannot grow memory without bound.</summary>
    private const int Capacity = 100_000;

    private readonly TimeSpan _delay = options.Value.InvalidationRepeatDelay;

    private readonly Channel<Due> _due = Channel.CreateBounded<Due>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>What was done to the key, and so what its repeat does.</summary>
    public enum Change
    {
        /// <summary>The entry was removed: it is removed again.</summary>
        Removed,

        /// <summary>Every entry tagged with the key was invalidated: they are again.</summary>
        TagRemoved,

        /// <summary>The entry was written with what MongoDB held: it is expired, so the next read takes MongoDB's value.</summary>
        WrittenThrough,
    }

    /// <summary>Repeats the invalidation of <paramref name="key"/> (a tag for <see cref="Change.TagRemoved"/>) after the delay.</summary>
    public void Schedule(string area, string key, Change change) =>
        _due.Writer.TryWrite(new Due(area, key, change, timeProvider.GetUtcNow() + _delay));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var due in _due.Reader.ReadAllAsync(stoppingToken))
        {
            var wait = due.At - timeProvider.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, timeProvider, stoppingToken);
            }

            try
            {
                await RepeatAsync(due, stoppingToken);
                metrics.Invalidation(due.Area, Reason);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The cache's own bounds (Redis timeout, circuit breaker) keep this short; the next repeats still run.
                LogRepeatFailed(logger, due.Area, exception);
            }
        }
    }

    private ValueTask RepeatAsync(Due due, CancellationToken cancellationToken) => due.Change switch
    {
        Change.TagRemoved => cache.RemoveByTagAsync(due.Key, cancellationToken),
        Change.WrittenThrough when fusion is not null => fusion.ExpireAsync(due.Key, token: cancellationToken),
        _ => cache.RemoveAsync(due.Key, cancellationToken),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "A repeated invalidation in the {Area} area failed; an older value read during the write may stay cached until it expires.")]
    private static partial void LogRepeatFailed(ILogger logger, string area, Exception exception);

    private readonly record struct Due(string Area, string Key, Change Change, DateTimeOffset At);
}
