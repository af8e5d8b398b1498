namespace Harmonia.IntegrationTests;

/// <summary>Waits for a condition that another process makes true, up to a bound the product promises.</summary>
internal static class Eventually
{
    private const int MaximumPolls = 100;
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails the test if <paramref name="within"/> passes first.
    /// At most about a hundred polls per wait, so a long wait on an API endpoint stays under its per-user rate limit.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var interval = TimeSpan.FromTicks(Math.Max(ShortestInterval.Ticks, within.Ticks / MaximumPolls));
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected within {within.TotalMilliseconds:0} ms: {what}.");
            }

            await Task.Delay(interval, TestContext.Current.CancellationToken);
        }
    }
}
