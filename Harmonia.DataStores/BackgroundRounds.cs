namespace Harmonia.DataStores;

public static class BackgroundRounds
{
    /// <summary>
    /// Whether a periodic background service should log <paramref name="exception"/> and run its next round: for
    /// anything but its own shutdown. A round that reads Redis or MongoDB fails with more than their exception types (a
    /// connection torn down under a call can cancel it: a worker in a CI run stopped on a <see cref="TaskCanceledException"/>
    /// from a Redis write in its first retention round), and an exception that leaves <c>ExecuteAsync</c> stops the
    /// whole host, job processing included.
    /// </summary>
    public static bool EndsOnlyThisRound(this Exception exception, CancellationToken stoppingToken) =>
        exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested;
}
