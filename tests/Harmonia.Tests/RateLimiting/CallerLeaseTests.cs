using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Harmonia.Tests.RateLimiting;

/// <summary>What one replica does with a lease Redis granted, on a clock tests control.</summary>
public sealed class CallerLeaseTests
{
    private static readonly RateLimitPolicy TenPerMinute = new("test", new RateLimitQuota { Limit = 10, Window = TimeSpan.FromMinutes(1) });

    private readonly FakeTimeProvider _time = new();

    private long Second => _time.TimestampFrequency;

    [Fact]
    public void ALeaseAdmitsItsUnitsAndStatesWhatIsLeftOfTheWindow()
    {
        var caller = Holding(units: 3, freeElsewhere: 4, resetAfter: TimeSpan.FromSeconds(30));

        var admitted = Enumerable.Range(0, 4).Select(_ => (caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out var decision), decision)).ToList();

        Assert.Equal([true, true, true, false], admitted.Select(take => take.Item1));
        Assert.Equal([6, 5, 4], admitted.Take(3).Select(take => take.decision.Remaining));
        Assert.All(admitted.Take(3), take => Assert.True(take.decision is { Leased: true, Distributed: true, ResetAfter.TotalSeconds: 30 }));
        Assert.Equal(("lease|3", 3), caller.Release());
    }

    [Fact]
    public void ALeaseAdmitsNothingOnceItsDurationHasPassedSinceTheCallWasSent()
    {
        var caller = Holding(units: 5, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out _));
        Assert.Equal(("lease|5", 0), caller.Release());
    }

    [Fact]
    public void TheNextLeaseIsAskedForOnceThreeQuartersOfTheCurrentAreSpentAndOnlyOnce()
    {
        var caller = Holding(units: 4, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));

        bool[] wanted = [Take(caller), Take(caller), Take(caller)];
        caller.BeginRenewal();

        Assert.Equal([false, false, true], wanted);
        Assert.False(caller.ShouldRenew(_time.GetTimestamp()));
    }

    [Fact]
    public void TheNextLeaseIsAskedForThreeQuartersThroughTheCurrentsTimeEvenWithUnitsLeft()
    {
        var caller = Holding(units: 100, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(0.7));
        var early = caller.ShouldRenew(_time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(0.05));

        Assert.False(early);
        Assert.True(caller.ShouldRenew(_time.GetTimestamp()));
    }

    [Fact]
    public void ARenewalAsksForTheDemandLessWhatTheCurrentLeaseStillHolds()
    {
        var caller = Holding(units: 8, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));
        for (var request = 0; request < 12; request++)
        {
            caller.Arrive(_time.GetTimestamp(), Second);
        }

        for (var request = 0; request < 6; request++)
        {
            Take(caller);
        }

        Assert.Equal(12 - 2, caller.BeginRenewal().Want);
    }

    [Fact]
    public void TheNextLeaseTakesOverWhenTheCurrentIsSpentAndTheSpentOneIsSettledByTheFollowingRenewal()
    {
        var caller = Holding(units: 2, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));
        Take(caller);
        Assert.Equal(((string?)null, 0), Settled(caller.BeginRenewal()));
        caller.HoldNext(Grant(units: 3, freeElsewhere: 10, "next|3"), _time.GetTimestamp(), _time.GetTimestamp(), Second, _time);

        Assert.True(caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out var fromCurrent));
        Assert.True(caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out var fromNext));

        // Both leases count in what is left while both are held; then only the next one's.
        Assert.Equal(10 + 0 + 3, fromCurrent.Remaining);
        Assert.Equal(10 + 2, fromNext.Remaining);
        Assert.Equal(("lease|2", 2), Settled(caller.BeginRenewal()));
        Assert.Equal(("next|3", 1), caller.Release());
    }

    [Fact]
    public void ADecisionThatFindsBothLeasesSpentSettlesTheCurrentOne()
    {
        var caller = Holding(units: 1, freeElsewhere: 0, resetAfter: TimeSpan.FromSeconds(30));
        Take(caller);

        Assert.False(caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out _));
        Assert.Equal(("lease|1", 1), caller.Release());
        Assert.Equal(((string?)null, 0), caller.Release());
    }

    [Fact]
    public void DemandIsTheRequestsWithinTheCurrentOrPreviousLeaseDuration()
    {
        var caller = new CallerLease();
        for (var request = 0; request < 9; request++)
        {
            caller.Arrive(_time.GetTimestamp(), Second);
        }

        _time.Advance(TimeSpan.FromSeconds(1.5));
        caller.Arrive(_time.GetTimestamp(), Second);
        var afterOneDuration = caller.Demand;
        _time.Advance(TimeSpan.FromSeconds(3));
        caller.Arrive(_time.GetTimestamp(), Second);

        Assert.Equal(9, afterOneDuration);
        Assert.Equal(1, caller.Demand);
    }

    [Fact]
    public void RedisLastAnswerIsKeptWithOrWithoutALeaseUntilItsOldestUnitWouldLeaveTheWindow()
    {
        var caller = Holding(units: 4, freeElsewhere: 2, resetAfter: TimeSpan.FromSeconds(30));
        var leased = caller.LastKnown;
        _time.Advance(TimeSpan.FromSeconds(5));
        var answeredAt = _time.GetTimestamp();
        caller.Remember(Grant(units: 0, freeElsewhere: 1, lease: null, TimeSpan.FromSeconds(20)), answeredAt, _time);
        _time.Advance(TimeSpan.FromSeconds(10));
        var idleBeforeItsUnitsLeft = caller.IsIdle(_time.GetTimestamp(), Second);
        _time.Advance(TimeSpan.FromSeconds(10));

        // The lease's own units count as taken: the shared count holds them until the lease is settled.
        Assert.Equal(2, leased?.Free);
        Assert.Equal(new LastKnownCount(1, answeredAt, answeredAt + 20 * Second), caller.LastKnown);
        Assert.False(idleBeforeItsUnitsLeft);
        Assert.True(caller.IsIdle(_time.GetTimestamp(), Second));
    }

    /// <summary>A caller holding a lease of <paramref name="units"/> just granted, its call sent now and lasting one second.</summary>
    private CallerLease Holding(int units, int freeElsewhere, TimeSpan resetAfter)
    {
        var caller = new CallerLease();
        var now = _time.GetTimestamp();
        caller.Hold(Grant(units, freeElsewhere, $"lease|{units}", resetAfter), sentAt: now, receivedAt: now, duration: Second, _time);
        return caller;
    }

    private static LeaseGrant Grant(int units, int freeElsewhere, string? lease, TimeSpan? resetAfter = null) =>
        new(new RateLimitDecision(TenPerMinute, Admitted: true, freeElsewhere + units, resetAfter ?? TimeSpan.FromSeconds(30), Distributed: true), units, lease);

    private static (string? Lease, int Used) Settled((int Want, string? Settle, int Used) renewal) => (renewal.Settle, renewal.Used);

    /// <summary>Admits one request; whether the caller should then ask for its next lease.</summary>
    private bool Take(CallerLease caller)
    {
        Assert.True(caller.TryTake(_time.GetTimestamp(), TenPerMinute, _time, out _));
        return caller.ShouldRenew(_time.GetTimestamp());
    }
}
