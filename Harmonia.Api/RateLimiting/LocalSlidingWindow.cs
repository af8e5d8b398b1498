using System.Collections.Concurrent;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The sliding window of <see cref="RedisSlidingWindow"/>, kept in this process for while Redis cannot answer.
/// It counts only this replica's requests, so N replicas then admit up to N times each quota: limits stay in
/// force (none fails open) at a looser bound, rather than failing every request while Redis is away.
/// </summary>
public sealed class LocalSlidingWindow(TimeProvider timeProvider)
{
    /// <summary>How often logs whose every request has left the window are dropped, so memory follows active callers only.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private long _nextSweep = timeProvider.GetTimestamp() + Ticks(SweepInterval, timeProvider);

    /// <summary>How many callers have requests in their window; what memory holds.</summary>
    public int Count => _logs.Count;

    public RateLimitDecision Decide(string key, RateLimitPolicy policy)
    {
        var now = timeProvider.GetTimestamp();
        SweepIfDue(now);

        var window = Ticks(policy.Window, timeProvider);
        while (true)
        {
            var log = _logs.GetOrAdd(key, static (_, window) => new Log(window), window);
            lock (log)
            {
                // A sweep removed this log between the lookup and the lock; count in its replacement instead.
                if (log.Removed)
                {
                    continue;
                }

                log.Forget(now);
                var admitted = log.Times.Count < policy.Limit;
                if (admitted)
                {
                    log.Times.Enqueue(now);
                }

                var resetAfter = log.Times.TryPeek(out var oldest) ? timeProvider.GetElapsedTime(now, oldest + window) : TimeSpan.Zero;
                return new RateLimitDecision(policy, admitted, Math.Max(policy.Limit - log.Times.Count, 0), resetAfter, Distributed: false);
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + Ticks(SweepInterval, timeProvider), due) != due)
        {
            return;
        }

        foreach (var (key, log) in _logs)
        {
            lock (log)
            {
                log.Forget(now);
                if (log.Times.Count == 0)
                {
                    log.Removed = true;
                    _logs.TryRemove(key, out _);
                }
            }
        }
    }

    private static long Ticks(TimeSpan duration, TimeProvider timeProvider) =>
        (long)(duration.TotalSeconds * timeProvider.TimestampFrequency);

    /// <summary>The admission times of one caller's requests still in the window, oldest first.</summary>
    private sealed class Log(long window)
    {
        public Queue<long> Times { get; } = new();

        public bool Removed { get; set; }

        public void Forget(long now)
        {
            while (Times.TryPeek(out var oldest) && now - oldest >= window)
            {
                Times.Dequeue();
            }
        }
    }
}
