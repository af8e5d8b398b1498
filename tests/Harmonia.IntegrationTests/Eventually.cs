namespace Harmonia.IntegrationTests;

/// <summary>Waits for a condition that another process makes true, up to a bound the product promises.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test if <paramref name="within"/> passes first.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected within {within.TotalMilliseconds:0} ms: {what}.");
            }

            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }
}
