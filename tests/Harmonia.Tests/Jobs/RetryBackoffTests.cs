using Harmonia.Worker.Jobs;

namespace Harmonia.Tests.Jobs;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(5, 32)]
    public void DelayDoublesPerFailedAttemptAndIsJitteredWithinItsUpperHalf(int failedAttempts, int fullSeconds)
    {
        var shortest = RetryBackoff.Delay(failedAttempts, Base, Max, random: 0);
        var longest = RetryBackoff.Delay(failedAttempts, Base, Max, random: 0.999_999);

        Assert.Equal(TimeSpan.FromSeconds(fullSeconds / 2.0), shortest);
        Assert.InRange(longest, TimeSpan.FromSeconds(fullSeconds) - TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(fullSeconds));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(1_000)]
    public void DelayNeverExceedsTheMaximum(int failedAttempts)
    {
        var delay = RetryBackoff.Delay(failedAttempts, Base, Max, random: 0.999_999);

        Assert.InRange(delay, Max / 2, Max);
    }
}
