namespace Harmonia.Api.RateLimiting;

/// <summary>
/// One caller's count as this replica sees it: the lease it holds from Redis, how busy the caller is here,
/// and the lease request in flight. Every member is read and written under a lock on the instance.
/// </summary>
public sealed class CallerLease
{
    /// <summary>The lease as Redis names it (<c>id|units</c>), or null when none is held.</summary>
    public string? Lease { get; private set; }

    /// <summary>Units of <see cref="Lease"/> admitted here; reported when the lease is settled.</summary>
    public int Used { get; private set; }

    /// <summary>The lease request in flight, which other requests of this caller wait for instead of asking Redis too.</summary>
    public Task<RateLimitDecision?>? Pending { get; set; }

    /// <summary>Set by the sweep once the instance has left the table; a request that still holds it counts in a new one.</summary>
    public bool Removed { get; set; }

    public long LastSeen { get; private set; }

    private int _left;
    private long _deadline;
    private int _freeElsewhere;
    private long _resetAt;
    private long _bucketStart;
    private int _bucket;
    private int _previousBucket;

    /// <summary>Counts a request towards the caller's demand: requests here within the current and the previous lease duration.</summary>
    public void Arrive(long now, long duration)
    {
        var elapsed = now - _bucketStart;
        if (elapsed >= duration)
        {
            _previousBucket = elapsed < 2 * duration ? _bucket : 0;
            _bucket = 0;
            _bucketStart = now;
        }

        _bucket++;
        LastSeen = now;
    }

    /// <summary>How many requests this replica expects from the caller within one lease duration.</summary>
    public int Demand => Math.Max(_bucket, _previousBucket);

    /// <summary>Admits a request from the lease while it has units and time left; the decision states what Redis said, less what this replica admitted since.</summary>
    public bool TryTake(long now, RateLimitPolicy policy, TimeProvider timeProvider, out RateLimitDecision decision)
    {
        if (Lease is null || _left == 0 || now >= _deadline)
        {
            decision = default;
            return false;
        }

        _left--;
        Used++;
        var resetAfter = _resetAt > now ? timeProvider.GetElapsedTime(now, _resetAt) : TimeSpan.Zero;
        decision = new RateLimitDecision(policy, Admitted: true, _freeElsewhere + _left, resetAfter, Distributed: true, Leased: true);
        return true;
    }

    /// <summary>Hands the lease over for settling with the next call to Redis, which must not count units admitted after this.</summary>
    public (string? Lease, int Used) Release()
    {
        var released = (Lease, Used);
        Lease = null;
        Used = 0;
        _left = 0;
        return released;
    }

    /// <summary>
    /// Takes a lease granted by a call sent at <paramref name="sentAt"/>. Its deadline counts from the send, which
    /// came before Redis started the lease's time, so this replica stops admitting from it no later than Redis
    /// starts counting its units as used.
    /// </summary>
    public void Hold(LeaseGrant grant, long sentAt, long receivedAt, long duration, TimeProvider timeProvider)
    {
        Lease = grant.Lease;
        Used = 0;
        _left = grant.Leased;
        _deadline = sentAt + duration;
        _freeElsewhere = grant.Decision.Remaining - grant.Leased;
        _resetAt = receivedAt + (long)(grant.Decision.ResetAfter.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>Nothing held, nothing in flight, and no request within <paramref name="idle"/>: safe to forget.</summary>
    public bool IsIdle(long now, long idle) => Pending is null && (Lease is null || now >= _deadline) && now - LastSeen >= idle;
}
