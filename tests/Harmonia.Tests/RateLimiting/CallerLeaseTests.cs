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

    /// <summary>A caller holding a lease of <paramref name="units"/> just granted, its call sent now and lasting one second.</summary>
    private CallerLease Holding(int units, int freeElsewhere, TimeSpan resetAfter)
    {
        var caller = new CallerLease();
        var now = _time.GetTimestamp();
        var decision = new RateLimitDecision(TenPerMinute, Admitted: true, freeElsewhere + units, resetAfter, Distributed: true);
        caller.Hold(new LeaseGrant(decision, units, $"lease|{units}"), sentAt: now, receivedAt: now, duration: Second, _time);
        return caller;
    }
}
