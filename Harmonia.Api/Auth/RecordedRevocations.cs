using Harmonia.DataStores;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Auth;

/// <summary>
/// Reads the revocations MongoDB records into this replica's set of ended sessions (<see cref="SessionRevocations"/>)
/// every <see cref="AuthOptions.RevocationRecordInterval"/>: the backstop for the Redis stream, which may lose an entry
/// or never get one (its replica cut off from Redis, then stopped before a retry; a failover that loses the last
/// append). MongoDB is the record, so a revocation on record is refused here within an interval and a read, whatever
/// Redis heard of it.
/// </summary>
/// <remarks>
/// Each read starts <see cref="Overlap"/> before the previous one did: a replica stamps <c>revokedAt</c> with its own
/// clock before it writes it, so a revocation can land on record stamped earlier than a read that missed it. Adding to
/// the set is idempotent, so reading one twice costs nothing but the read. The first read, at start, goes back a whole
/// <see cref="SessionRevocations.Retention"/>.
/// </remarks>
public sealed partial class RecordedRevocations(
    SessionStore store,
    SessionRevocations revocations,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<RecordedRevocations> logger) : BackgroundService
{
    /// <summary>
    /// Covers replicas' clocks disagreeing by seconds, and a revoking write that lands after its stamp by a read and the
    /// writes of the revocation, each bounded by the MongoDB client's waits (5 s).
    /// </summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _readFrom;
    private bool _failing;

    // Every MongoDB wait is bounded by the client (DataStoreExtensions), and BackgroundRounds turns a failed read into
    // one failed round: the next starts from where the last successful one did, so nothing in between is skipped.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(options.Value.RevocationRecordInterval, timeProvider, ReadAsync, ReadFailed, stoppingToken);

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var from = _readFrom ?? now - revocations.Retention;
        foreach (var (sessionId, revokedAt) in await store.RevokedSinceAsync(from.UtcDateTime, cancellationToken))
        {
            revocations.Remember(sessionId, new DateTimeOffset(revokedAt, TimeSpan.Zero));
        }

        _readFrom = now - Overlap;
        if (_failing)
        {
            _failing = false;
            LogReadingAgain(logger);
        }
    }

    /// <summary>Logs the first failure of an outage only; rounds come every second.</summary>
    private void ReadFailed(Exception exception)
    {
        if (!_failing)
        {
            _failing = true;
            LogReadFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading session revocations from MongoDB failed; the Redis stream still brings them, and the next round reads again from where the last one that succeeded did.")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading session revocations from MongoDB again.")]
    private static partial void LogReadingAgain(ILogger logger);
}
