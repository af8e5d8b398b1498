using Harmonia.DataStores;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Deletes what sessions leave behind in MongoDB, on a schedule: sessions that ended (revoked or expired) more than
/// <see cref="AuthOptions.EndedSessionRetention"/> ago, with their refresh tokens, and any refresh token a day past
/// its expiry. A TTL index would do part of it on MongoDB, but not on every server Harmonia runs against (the local
/// stand-in has none), so this runs everywhere; every replica runs it, and the deletes are idempotent.
/// </summary>
public sealed partial class SessionHousekeeping(
    SessionStore store,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionHousekeeping> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(options.Value.HousekeepingInterval, timeProvider, SweepAsync, exception => LogSweepFailed(logger, exception), stoppingToken);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var endedLongAgo = Builders<SessionDocument>.Filter.Lt(session => session.ExpiresAt, now - options.Value.EndedSessionRetention);
        long sessions = 0;
        List<SessionDocument> batch;
        do
        {
            batch = await store.Sessions.Find(endedLongAgo).Limit(BatchSize).ToListAsync(cancellationToken);
            var ids = batch.Select(session => session.Id).ToList();
            if (ids.Count == 0)
            {
                break;
            }

            // Tokens first: an interrupted sweep leaves sessions without tokens, never tokens without their session.
            await store.RefreshTokens.DeleteManyAsync(Builders<RefreshTokenDocument>.Filter.In(token => token.SessionId, ids), cancellationToken);
            var deleted = await store.Sessions.DeleteManyAsync(Builders<SessionDocument>.Filter.In(session => session.Id, ids) & endedLongAgo, cancellationToken);
            sessions += deleted.DeletedCount;
        }
        while (batch.Count == BatchSize);

        var tokens = await store.RefreshTokens.DeleteManyAsync(
            Builders<RefreshTokenDocument>.Filter.Lt(token => token.ExpiresAt, now - SessionStore.ExpiredTokenRetention),
            cancellationToken);
        if (sessions > 0 || tokens.DeletedCount > 0)
        {
            LogSwept(logger, sessions, tokens.DeletedCount);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Sessions} ended sessions with their refresh tokens, and {Tokens} expired refresh tokens.")]
    private static partial void LogSwept(ILogger logger, long sessions, long tokens);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting ended sessions failed; the next sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
