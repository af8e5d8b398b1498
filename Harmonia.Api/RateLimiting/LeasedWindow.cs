using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The distributed decision at in-memory cost for busy callers. A caller seen fewer than
/// <see cref="MinimumDemand"/> times within a lease duration, or under a policy whose quota cannot sustain that many
/// (<see cref="Leasable"/>), is decided in Redis request by request, exactly as every replica's count stands. A
/// busier caller's decision in Redis also leases this replica a share of what
/// the window has left, sized to the caller's requests here within one lease duration; the replica admits from
/// it in memory. Once three quarters of a lease are spent, by units or time, one call beside the request asks for the next
/// lease and settles the previous one (returning what went unused), so a steady caller's requests never wait for
/// Redis. Concurrent requests of one caller that find no unit wait for the one lease call in flight rather than
/// each asking Redis. docs/rate-limiting.md argues why no window of a policy ever admits more than its limit.
/// </summary>
public sealed class LeasedWindow(RedisSlidingWindow redis, IOptions<RateLimitingOptions> options, TimeProvider timeProvider)
{
    /// <summary>
    /// A caller with fewer requests than this here within a lease duration saves too few round trips for a lease to
    /// pay for the units it holds away from other replicas; its RateLimit fields then stay exact request by request.
    /// </summary>
    public const int MinimumDemand = 8;

    /// <summary>How often callers without a lease or recent request are dropped, so memory follows active callers only.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, CallerLease> _callers = new(StringComparer.Ordinal);
    private readonly long _duration = timeProvider.Ticks(options.Value.LeaseDuration);
    private readonly TimeSpan _leaseDuration = options.Value.LeaseDuration;

    /// <summary>Names this process in lease ids, so ids from different replicas never meet.</summary>
    private readonly string _replica = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private long _calls;
    private long _nextSweep = timeProvider.GetTimestamp() + timeProvider.Ticks(SweepInterval);

    /// <summary>How many callers this replica keeps demand or a lease for; what memory holds.</summary>
    public int Count => _callers.Count;

    /// <summary>Decides from this replica's lease or in Redis; null when Redis cannot answer and the caller must decide alone.</summary>
    public async ValueTask<RateLimitDecision?> TryDecideAsync(string key, RateLimitPolicy policy)
    {
        var caller = Arrive(key);
        var waited = false;
        while (true)
        {
            bool taken;
            RateLimitDecision decision;
            (LeaseExchange Exchange, TaskCompletionSource Done)? renewal = null;
            Task<RateLimitDecision?>? pending = null;
            Task? renewing = null;
            TaskCompletionSource<RateLimitDecision?>? leader = null;
            var exchange = default(LeaseExchange);
            long sentAt;
            lock (caller)
            {
                sentAt = timeProvider.GetTimestamp();
                taken = caller.TryTake(sentAt, policy, timeProvider, out decision);
                if (taken)
                {
                    if (Busy(caller, policy) && caller.ShouldRenew(sentAt))
                    {
                        renewal = BeginRenewal(caller);
                    }
                }
                else
                {
                    // After waiting once for a lease that had no unit left for this request, it is decided alone, so
                    // near the limit concurrent requests pay one round trip each rather than queueing for another lease.
                    var want = waited || !Busy(caller, policy) ? 0 : caller.Demand;
                    pending = want > 0 ? caller.Pending : null;
                    renewing = want > 0 && pending is null ? caller.Renewal : null;
                    if (pending is null && renewing is null)
                    {
                        var (lease, used) = caller.Release();
                        exchange = new LeaseExchange(NextId(), lease, used, want, _leaseDuration);
                        if (want > 0)
                        {
                            leader = new TaskCompletionSource<RateLimitDecision?>(TaskCreationOptions.RunContinuationsAsynchronously);
                            caller.Pending = leader.Task;
                        }
                    }
                }
            }

            if (taken)
            {
                if (renewal is { } started)
                {
                    _ = RenewAsync(caller, key, policy, started.Exchange, sentAt, started.Done);
                }

                return decision;
            }

            if (pending is not null)
            {
                // A refusal, or Redis not answering, holds for every request that arrived while it was asked.
                var shared = await pending;
                if (shared is not { Admitted: true })
                {
                    return shared;
                }

                waited = true;
                continue;
            }

            if (renewing is not null)
            {
                await renewing;
                waited = true;
                continue;
            }

            RateLimitDecision? decided = null;
            try
            {
                var grant = await redis.TryDecideAsync(key, policy, exchange);
                if (grant is { } answered)
                {
                    lock (caller)
                    {
                        if (answered.Lease is not null)
                        {
                            caller.Hold(answered, sentAt, timeProvider.GetTimestamp(), _duration, timeProvider);
                        }
                        else
                        {
                            caller.Remember(answered, timeProvider.GetTimestamp(), timeProvider);
                        }
                    }
                }

                decided = grant?.Decision;
                return decided;
            }
            finally
            {
                // Whatever happened, the requests waiting on this call are released, with its answer or with none.
                if (leader is not null)
                {
                    lock (caller)
                    {
                        caller.Pending = null;
                    }

                    leader.SetResult(decided);
                }
            }
        }
    }

    /// <summary>Asks for the next lease, and settles the spent one, while the current lease still admits: the exchange, and what signals its end.</summary>
    private (LeaseExchange Exchange, TaskCompletionSource Done) BeginRenewal(CallerLease caller)
    {
        var (want, settle, used) = caller.BeginRenewal();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        caller.Renewal = done.Task;
        return (new LeaseExchange(NextId(), settle, used, want, _leaseDuration, Admit: false), done);
    }

    /// <summary>
    /// Runs a renewal beside the request that started it, which does not wait. Redis not answering leaves the caller
    /// on its current lease and then on request-by-request decisions, as without a renewal.
    /// </summary>
    private async Task RenewAsync(CallerLease caller, string key, RateLimitPolicy policy, LeaseExchange exchange, long sentAt, TaskCompletionSource done)
    {
        try
        {
            var grant = await redis.TryDecideAsync(key, policy, exchange);
            if (grant is { } answered)
            {
                lock (caller)
                {
                    if (answered.Lease is not null)
                    {
                        caller.HoldNext(answered, sentAt, timeProvider.GetTimestamp(), _duration, timeProvider);
                    }
                    else
                    {
                        caller.Remember(answered, timeProvider.GetTimestamp(), timeProvider);
                    }
                }
            }
        }
        finally
        {
            lock (caller)
            {
                caller.Renewal = null;
            }

            done.SetResult();
        }
    }

    /// <summary>What Redis last told this replica of the caller's count, for deciding alone while it cannot answer; null if nothing is known.</summary>
    public LastKnownCount? LastKnown(string key)
    {
        if (!_callers.TryGetValue(key, out var caller))
        {
            return null;
        }

        lock (caller)
        {
            return caller.LastKnown;
        }
    }

    private bool Busy(CallerLease caller, RateLimitPolicy policy) => caller.Demand >= MinimumDemand && Leasable(policy);

    /// <summary>
    /// Whether <paramref name="policy"/>'s quota admits at least <see cref="MinimumDemand"/> requests per lease
    /// duration. Under a smaller one (the shipped 100 a minute) a caller busy enough for a lease is refused within
    /// seconds anyway, and a lease would only hold units that the caller's requests on another replica are then
    /// refused for, if its requests here stop first.
    /// </summary>
    private bool Leasable(RateLimitPolicy policy) => policy.Limit * _leaseDuration.Ticks >= MinimumDemand * policy.Window.Ticks;

    private CallerLease Arrive(string key)
    {
        var now = timeProvider.GetTimestamp();
        SweepIfDue(now);
        while (true)
        {
            var caller = _callers.GetOrAdd(key, static _ => new CallerLease());
            lock (caller)
            {
                // A sweep removed this caller between the lookup and the lock; count in its replacement instead.
                if (caller.Removed)
                {
                    continue;
                }

                caller.Arrive(now, _duration);
                return caller;
            }
        }
    }

    private string NextId() => string.Create(CultureInfo.InvariantCulture, $"{_replica}:{Interlocked.Increment(ref _calls)}");

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + timeProvider.Ticks(SweepInterval), due) != due)
        {
            return;
        }

        foreach (var (key, caller) in _callers)
        {
            lock (caller)
            {
                // A lease past its deadline needs no settling: Redis counts all its units from the deadline. A caller
                // is kept while units of Redis's last answer stay in the window: at most one window of the policy.
                if (caller.IsIdle(now, 2 * _duration))
                {
                    caller.Removed = true;
                    _callers.TryRemove(key, out _);
                }
            }
        }
    }
}
