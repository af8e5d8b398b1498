using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Harmonia.Tests.RateLimiting;

/// <summary>The in-process sliding window replicas fall back to; the same algorithm as the Redis script, on a clock tests control.</summary>
public sealed class LocalSlidingWindowTests
{
    private static readonly RateLimitPolicy ThreePerMinute = new("test", new RateLimitQuota { Limit = 3, Window = TimeSpan.FromMinutes(1) });

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AdmitsTheLimitThenRejectsUntilTheOldestRequestLeavesTheWindow()
    {
        var window = new LocalSlidingWindow(_time);

        var first = window.Decide("caller", ThreePerMinute);
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = window.Decide("caller", ThreePerMinute);
        _time.Advance(TimeSpan.FromSeconds(10));
        var third = window.Decide("caller", ThreePerMinute);
        var fourth = window.Decide("caller", ThreePerMinute);
        _time.Advance(TimeSpan.FromSeconds(40));
        var afterTheFirstLeft = window.Decide("caller", ThreePerMinute);

        Assert.Equal((true, 2, TimeSpan.FromSeconds(60)), (first.Admitted, first.Remaining, first.ResetAfter));
        Assert.Equal((true, 1, TimeSpan.FromSeconds(50)), (second.Admitted, second.Remaining, second.ResetAfter));
        Assert.Equal((true, 0, TimeSpan.FromSeconds(40)), (third.Admitted, third.Remaining, third.ResetAfter));
        Assert.Equal((false, 0, TimeSpan.FromSeconds(40)), (fourth.Admitted, fourth.Remaining, fourth.ResetAfter));
        Assert.Equal((true, 0, TimeSpan.FromSeconds(10)), (afterTheFirstLeft.Admitted, afterTheFirstLeft.Remaining, afterTheFirstLeft.ResetAfter));
        Assert.False(afterTheFirstLeft.Distributed);
    }

    [Fact]
    public void ItStartsFromWhatRedisLastSaidUntilTheOldestOfThoseUnitsWouldHaveLeft()
    {
        var window = new LocalSlidingWindow(_time);
        var known = Known(free: 1, until: TimeSpan.FromSeconds(20));

        var last = window.Decide("caller", ThreePerMinute, known);
        var refused = window.Decide("caller", ThreePerMinute, known);
        _time.Advance(TimeSpan.FromSeconds(20));
        var afterThemAll = window.Decide("caller", ThreePerMinute, known);

        Assert.Equal((true, 0, TimeSpan.FromSeconds(20)), (last.Admitted, last.Remaining, last.ResetAfter));
        Assert.Equal((false, 0, TimeSpan.FromSeconds(20)), (refused.Admitted, refused.Remaining, refused.ResetAfter));
        // From then on only what this replica admitted counts, as if Redis had never answered.
        Assert.Equal((true, 1, TimeSpan.FromSeconds(40)), (afterThemAll.Admitted, afterThemAll.Remaining, afterThemAll.ResetAfter));
    }

    [Fact]
    public void ALaterAnswerTakesThePlaceOfTheOneHeldAndWhatWasAdmittedHereStaysCounted()
    {
        var window = new LocalSlidingWindow(_time);
        var first = Known(free: 3, until: TimeSpan.FromSeconds(60));
        window.Decide("caller", ThreePerMinute, first);
        _time.Advance(TimeSpan.FromSeconds(5));
        var later = Known(free: 1, until: TimeSpan.FromSeconds(30));

        var withTheLaterAnswer = window.Decide("caller", ThreePerMinute, later);
        var withTheOlderAgain = window.Decide("caller", ThreePerMinute, first);

        Assert.Equal((false, 0), (withTheLaterAnswer.Admitted, withTheLaterAnswer.Remaining));
        Assert.Equal((false, 0), (withTheOlderAgain.Admitted, withTheOlderAgain.Remaining));
    }

    [Fact]
    public void NoWindowEverHoldsMoreThanTheLimitNotEvenAcrossAnEdge()
    {
        var window = new LocalSlidingWindow(_time);
        var admittedAt = new List<TimeSpan>();

        // A caller that tries every 100 ms for five minutes, the pattern that doubles a fixed window's budget at its edge.
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMinutes(5); elapsed += TimeSpan.FromMilliseconds(100))
        {
            if (window.Decide("caller", ThreePerMinute).Admitted)
            {
                admittedAt.Add(elapsed);
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.All(admittedAt, end => Assert.InRange(admittedAt.Count(at => at > end - ThreePerMinute.Window && at <= end), 1, ThreePerMinute.Limit));
        Assert.Equal(5 * ThreePerMinute.Limit, admittedAt.Count);
    }

    [Fact]
    public void RejectedRequestsCostNothing()
    {
        var window = new LocalSlidingWindow(_time);
        for (var request = 0; request < 100; request++)
        {
            window.Decide("caller", ThreePerMinute);
        }

        _time.Advance(ThreePerMinute.Window);

        Assert.All(Enumerable.Range(0, ThreePerMinute.Limit), _ => Assert.True(window.Decide("caller", ThreePerMinute).Admitted));
    }

    [Fact]
    public void EachKeyHasItsOwnCount()
    {
        var window = new LocalSlidingWindow(_time);
        for (var request = 0; request < ThreePerMinute.Limit; request++)
        {
            window.Decide("caller", ThreePerMinute);
        }

        Assert.False(window.Decide("caller", ThreePerMinute).Admitted);
        Assert.True(window.Decide("someone else", ThreePerMinute).Admitted);
    }

    [Fact]
    public void CallersWhoseRequestsAllLeftTheWindowAreForgotten()
    {
        var window = new LocalSlidingWindow(_time);
        window.Decide("gone quiet", ThreePerMinute);
        window.Decide("also quiet", ThreePerMinute);

        _time.Advance(TimeSpan.FromMinutes(2));
        window.Decide("still here", ThreePerMinute);

        Assert.Equal(1, window.Count);
    }

    /// <summary>Redis's answer, given now: <paramref name="free"/> units free, none leaving the window before <paramref name="until"/> from now.</summary>
    private LastKnownCount Known(int free, TimeSpan until)
    {
        var now = _time.GetTimestamp();
        return new LastKnownCount(free, now, now + _time.Ticks(until));
    }
}
