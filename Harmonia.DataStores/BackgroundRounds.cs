namespace Harmonia.DataStores;

/// <summary>
/// The loop of a periodic background service: a round every interval until shutdown. A round that fails, with
/// whatever exception, is reported and the next round tries again; only the service's own shutdown ends the loop. A
/// round that reads Redis or MongoDB fails with more than their exception types (a connection torn down under a call
/// can cancel it: a worker in a CI run stopped on a <see cref="TaskCanceledException"/> from a Redis write in its first
/// retention round), and an exception that leaves <c>ExecuteAsync</c> stops the whole host, job processing included.
/// </summary>
public static class BackgroundRounds
{
    /// <summary>Runs <paramref name="round"/> at once (or after one interval, unless <paramref name="firstAtOnce"/>) and then every interval.</summary>
    public static async Task RunAsync(
        TimeSpan interval,
        TimeProvider timeProvider,
        Func<CancellationToken, Task> round,
        Action<Exception> failed,
        CancellationToken stoppingToken,
        bool firstAtOnce = true)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        if (!firstAtOnce && !await timer.WaitForNextTickAsync(stoppingToken))
        {
            return;
        }

        do
        {
            try
            {
                await round(stoppingToken);
            }
            catch (Exception exception) when (exception.EndsOnlyThisRound(stoppingToken))
            {
                failed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Whether a round's <paramref name="exception"/> ends only that round: anything but the service's own shutdown.</summary>
    public static bool EndsOnlyThisRound(this Exception exception, CancellationToken stoppingToken) =>
        exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested;
}
