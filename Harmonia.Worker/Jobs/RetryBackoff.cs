namespace Harmonia.Worker.Jobs;

/// <summary>Capped exponential backoff with "equal jitter": half the delay is fixed, half random.</summary>
public static class RetryBackoff
{
    /// <param name="failedAttempts">Attempts failed so far (1 after the first failure).</param>
    /// <param name="random">A uniform sample in [0, 1); it spreads retries of jobs that failed together.</param>
    /// <remarks>The fixed half keeps a retry from coming back almost at once, as full jitter allows.</remarks>
    public static TimeSpan Delay(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var exponential = baseDelay.Ticks * Math.Pow(2, Math.Max(0, failedAttempts - 1));
        var capped = Math.Min(exponential, maxDelay.Ticks);
        return TimeSpan.FromTicks((long)((capped / 2) + (capped / 2 * random)));
    }
}
