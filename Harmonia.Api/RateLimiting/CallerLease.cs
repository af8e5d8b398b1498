namespace Harmonia.Api.RateLimiting;

/// <summary>
/// One caller's count as this replica sees it: the lease it admits from, the next lease it asked for ahead of need,
/// the spent lease still to be settled, what Redis last said of the count, how busy the caller is here, and the calls
/// in flight. Every member is read and written under a lock on the instance.
/// </summary>
/// <remarks>
/// Forgetting a lease without settling it is always safe: Redis counts all its units as used from its deadline.
/// That is why at most one spent lease waits for settling and an older one is simply dropped.
/// </remarks>
public sealed class CallerLease
{
    private HeldLease _current;
    private HeldLease _next;
    private HeldLease _retired;
    private bool _renewalStarted;
    private long _bucketStart;
    private int _bucket;
    private int _previousBucket;

    /// <summary>The call in flight that decides a request and may bring a lease; other requests of this caller wait for its answer.</summary>
    public Task<RateLimitDecision?>? Pending { get; set; }

    /// <summary>The call in flight that asks for the next lease before the current one is spent; requests the current one cannot admit wait for it.</summary>
    public Task? Renewal { get; set; }

    /// <summary>Set by the sweep once the instance has left the table; a request that still holds it counts in a new one.</summary>
    public bool Removed { get; set; }

    public long LastSeen { get; private set; }

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

    /// <summary>
    /// Admits a request from the current lease, or from the next one once the current is spent or past its time; the
    /// decision states what Redis last said, less what this replica admitted since.
    /// </summary>
    public bool TryTake(long now, RateLimitPolicy policy, TimeProvider timeProvider, out RateLimitDecision decision)
    {
        if (!_current.CanAdmit(now))
        {
            if (!_next.CanAdmit(now))
            {
                decision = default;
                return false;
            }

            Retire(_current);
            _current = _next;
            _next = default;
            _renewalStarted = false;
        }

        _current.Left--;
        _current.Used++;
        // A lease is held only after Redis answered with it.
        var answer = LastKnown.GetValueOrDefault();
        var resetAfter = answer.Until > now ? timeProvider.GetElapsedTime(now, answer.Until) : TimeSpan.Zero;
        decision = new RateLimitDecision(policy, Admitted: true, answer.Free + _current.Left + _next.Left, resetAfter, Distributed: true, Leased: true);
        return true;
    }

    /// <summary>
    /// Whether to ask for the next lease now: three quarters of the current one are spent, by units or by time, and
    /// nothing is asked for or held ahead yet. The quarter left covers the round trip many times over, so the
    /// requests of a steady caller never wait for Redis, and the next lease is current for most of its own time.
    /// </summary>
    public bool ShouldRenew(long now) =>
        !_renewalStarted && Renewal is null && Pending is null && _next.Id is null && _current.Id is not null
        && (_current.Used >= 3 * _current.Left || now >= _current.RenewAt);

    /// <summary>
    /// Marks the renewal of the current lease as started: what to ask for (the caller's demand over a lease duration,
    /// less what the current lease still holds, since the next one starts where the current one ends) and the spent
    /// lease to settle with it.
    /// </summary>
    public (int Want, string? Settle, int Used) BeginRenewal()
    {
        _renewalStarted = true;
        var renewal = (Math.Max(Demand - _current.Left, 1), _retired.Id, _retired.Used);
        _retired = default;
        return renewal;
    }

    /// <summary>
    /// Hands over a lease for settling with a call that decides a request, which must not count units admitted after
    /// this: the current lease, or the spent one if none is current. Whatever else is held is dropped.
    /// </summary>
    public (string? Lease, int Used) Release()
    {
        var released = _current.Id is not null ? (_current.Id, _current.Used) : (_retired.Id, _retired.Used);
        _current = default;
        _next = default;
        _retired = default;
        return released;
    }

    /// <summary>
    /// Takes a lease granted with a request's decision as the current one. Its deadline counts from the send, which
    /// came before Redis started the lease's time, so this replica stops admitting from it no later than Redis
    /// starts counting its units as used.
    /// </summary>
    public void Hold(LeaseGrant grant, long sentAt, long receivedAt, long duration, TimeProvider timeProvider)
    {
        Retire(_current);
        _current = HeldLease.From(grant, sentAt, duration);
        _renewalStarted = false;
        Remember(grant, receivedAt, timeProvider);
    }

    /// <summary>Keeps a lease granted by a renewal for when the current one is spent; its deadline counts from the send likewise.</summary>
    public void HoldNext(LeaseGrant grant, long sentAt, long receivedAt, long duration, TimeProvider timeProvider)
    {
        _next = HeldLease.From(grant, sentAt, duration);
        Remember(grant, receivedAt, timeProvider);
    }

    /// <summary>
    /// Nothing held, nothing in flight, no request within <paramref name="idle"/>, and no unit of Redis's last answer
    /// still in the window (<see cref="LastKnown"/> would be needed if Redis went away now): safe to forget.
    /// </summary>
    public bool IsIdle(long now, long idle) =>
        Pending is null && Renewal is null && !_current.IsLive(now) && !_next.IsLive(now) && now - LastSeen >= idle && (LastKnown is null || now >= LastKnown.Value.Until);

    /// <summary>What Redis last said of the count, for deciding alone while it cannot answer; null before its first answer.</summary>
    public LastKnownCount? LastKnown { get; private set; }

    /// <summary>
    /// Keeps what Redis said with a decision, a lease or not: free for anyone besides this replica's leases, and when
    /// the oldest unit leaves the window.
    /// </summary>
    public void Remember(LeaseGrant grant, long receivedAt, TimeProvider timeProvider)
    {
        LastKnown = new LastKnownCount(
            grant.Decision.Remaining - grant.Leased, receivedAt, receivedAt + timeProvider.Ticks(grant.Decision.ResetAfter));
    }

    /// <summary>Keeps a lease that admits no more for settling with the next call; a lease still waiting is dropped.</summary>
    private void Retire(HeldLease lease)
    {
        if (lease.Id is not null)
        {
            _retired = lease;
        }
    }

    /// <summary>A lease as this replica holds it.</summary>
    private struct HeldLease
    {
        /// <summary>The lease as Redis names it (<c>id|units</c>), or null when none is held.</summary>
        public string? Id;

        /// <summary>Units still to admit.</summary>
        public int Left;

        /// <summary>Units admitted; reported when the lease is settled.</summary>
        public int Used;

        /// <summary>When this replica stops admitting from it, by its clock.</summary>
        public long Deadline;

        /// <summary>Three quarters of its time: from here the next lease is asked for even if units are left.</summary>
        public long RenewAt;

        public static HeldLease From(LeaseGrant grant, long sentAt, long duration) =>
            new() { Id = grant.Lease, Left = grant.Leased, Deadline = sentAt + duration, RenewAt = sentAt + duration * 3 / 4 };

        public readonly bool CanAdmit(long now) => Id is not null && Left > 0 && now < Deadline;

        public readonly bool IsLive(long now) => Id is not null && now < Deadline;
    }
}
