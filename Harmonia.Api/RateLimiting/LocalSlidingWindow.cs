using System.Collections.Concurrent;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The sliding window of <see cref="RedisSlidingWindow"/>, kept in this process for while Redis cannot answer.
/// It counts this replica's requests, starting from what Redis last told this replica of the caller's count
/// (<see cref="LastKnownCount"/>), so N replicas then admit at most N times what each last saw free: limits stay
/// in force (none fails open) at a looser bound, rather than failing every request while Redis is away, and a
/// caller who had spent the quota stays refused by the replicas it used until its units would have left.
/// </summary>
public sealed class LocalSlidingWindow(TimeProvider timeProvider)
{
    /// <summary>How often logs whose every request has left the window are dropped, so memory follows active callers only.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Log> _logs = new(StringComparer.Ordinal);
    private long _nextSweep = timeProvider.GetTimestamp() + timeProvider.Ticks(SweepInterval);

    /// <summary>How many callers a count is held for (requests in their window, or units of a Redis answer not yet gone); what memory holds.</summary>
    public int Count => _logs.Count;

    /// <param name="known">What Redis last said of the caller's count here; a log keeps the latest it was given.</param>
    public RateLimitDecision Decide(string key, RateLimitPolicy policy, LastKnownCount? known = null)
    {
        var now = timeProvider.GetTimestamp();
        SweepIfDue(now);

        var window = timeProvider.Ticks(policy.Window);
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
                log.Adopt(known);
                var admitted = log.Counted(now, policy) < policy.Limit;
                if (admitted)
                {
                    log.Times.Enqueue(now);
                }

                var resetAfter = log.NextLeaving(now, policy) is { } leaving ? timeProvider.GetElapsedTime(now, leaving) : TimeSpan.Zero;
                return new RateLimitDecision(policy, admitted, Math.Max(policy.Limit - log.Counted(now, policy), 0), resetAfter, Distributed: false);
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + timeProvider.Ticks(SweepInterval), due) != due)
        {
            return;
        }

        foreach (var (key, log) in _logs)
        {
            lock (log)
            {
                log.Forget(now);
                if (log.Times.Count == 0 && now >= log.Shared.Until)
                {
                    log.Removed = true;
                    _logs.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>
    /// The admission times of one caller's requests here still in the window, oldest first, and the shared count it
    /// started from.
    /// </summary>
    private sealed class Log(long window)
    {
        public Queue<long> Times { get; } = new();

        public bool Removed { get; set; }

        public LastKnownCount Shared { get; private set; }

        /// <summary>
        /// Takes a later answer of Redis's in place of the one held. Requests admitted here stay counted: Redis never
        /// saw them, so no answer of its includes them.
        /// </summary>
        public void Adopt(LastKnownCount? known)
        {
            if (known is { } answer && answer.At > Shared.At)
            {
                Shared = answer;
            }
        }

        /// <summary>The units counted against the caller: those admitted here, and the shared count's until the oldest of them would have left.</summary>
        public int Counted(long now, RateLimitPolicy policy) => Times.Count + SharedTaken(now, policy);

        /// <summary>When the next counted unit leaves the window; null when none is counted.</summary>
        public long? NextLeaving(long now, RateLimitPolicy policy)
        {
            long? local = Times.TryPeek(out var oldest) ? oldest + window : null;
            return SharedTaken(now, policy) > 0 && (local is null || Shared.Until < local) ? Shared.Until : local;
        }

        private int SharedTaken(long now, RateLimitPolicy policy) => now < Shared.Until ? Shared.Taken(policy) : 0;

        public void Forget(long now)
        {
            while (Times.TryPeek(out var oldest) && now - oldest >= window)
            {
                Times.Dequeue();
            }
        }
    }
}
