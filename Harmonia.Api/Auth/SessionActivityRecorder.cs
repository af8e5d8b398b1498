using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Keeps each session's last activity without a MongoDB write per request: requests only note the time in
/// memory, and one bulk write per interval records the latest time of every session seen since.
/// </summary>
public sealed partial class SessionActivityRecorder(
    SessionStore store,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionActivityRecorder> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, DateTime> _lastSeen = new();

    public void Touch(string sessionId) => _lastSeen[sessionId] = timeProvider.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ActivityFlushInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await FlushAsync(CancellationToken.None);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var seen = new List<(string SessionId, DateTime At)>();
        foreach (var sessionId in _lastSeen.Keys)
        {
            if (_lastSeen.TryRemove(sessionId, out var at))
            {
                seen.Add((sessionId, at));
            }
        }

        if (seen.Count == 0)
        {
            return;
        }

        var updates = seen.Select(entry => new UpdateOneModel<SessionDocument>(
            Builders<SessionDocument>.Filter.Eq(session => session.Id, entry.SessionId)
                & Builders<SessionDocument>.Filter.Lt(session => session.LastActivityAt, entry.At),
            Builders<SessionDocument>.Update.Set(session => session.LastActivityAt, entry.At)));
        try
        {
            await store.Sessions.BulkWriteAsync(updates, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException)
        {
            // Activity is informational; keep what was seen for the next flush unless newer activity replaced it.
            foreach (var (sessionId, at) in seen)
            {
                _lastSeen.TryAdd(sessionId, at);
            }

            LogFlushFailed(logger, seen.Count, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the last activity of {Count} sessions failed; will retry.")]
    private static partial void LogFlushFailed(ILogger logger, int count, Exception exception);
}
