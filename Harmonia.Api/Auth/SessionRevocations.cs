using System.Collections.Concurrent;
using System.Globalization;
using Harmonia.DataStores;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Api.Auth;

/// <summary>
/// The sessions that have ended, known to every replica in memory: the half of the per-request check that no race
/// can undo. A cached "active" can be written after a revocation (a refresh that read the session just before it, a
/// cache fill whose MongoDB read came just before it); an entry here cannot be taken back, because ending is final:
/// the set only grows, adding is idempotent and the order of adds does not matter.
/// </summary>
/// <remarks>
/// The revoking replica adds its sessions at once. The others read them from a Redis stream, one entry per revoking
/// call, every <see cref="AuthOptions.RevocationPollInterval"/>: a stream rather than pub/sub, because a replica
/// whose connection drops reads what it missed from its cursor instead of losing it. An entry is kept until every
/// access token issued before the revocation has expired (<see cref="Retention"/>), in the stream and in memory.
/// A revocation that cannot reach Redis is retried on every poll until it does. The stream is the fast path, not the
/// record: an entry Redis never gets or loses reaches every replica from MongoDB instead (<see cref="RecordedRevocations"/>).
/// </remarks>
public sealed partial class SessionRevocations(
    IConnectionMultiplexer redis,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionRevocations> logger) : BackgroundService
{
    private const string SessionsField = "sessions";
    private const int PageSize = 500;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unpublished = new();
    private RedisValue _cursor = "0-0";
    private DateTimeOffset _nextSweep;
    private bool _redisFailing;

    /// <summary>
    /// How long an ended session is remembered: the longest an access token issued before its end can still pass
    /// validation (its lifetime plus the validation's clock skew), with a minute's margin for clocks between replicas.
    /// </summary>
    public TimeSpan Retention => options.Value.AccessTokenLifetime + AccessTokens.ClockSkew + TimeSpan.FromMinutes(1);

    /// <summary>Whether the session is known to have ended; a dictionary lookup, no I/O.</summary>
    public bool IsEnded(string sessionId) => _ended.ContainsKey(sessionId);

    /// <summary>Makes the ends of sessions MongoDB has recorded final here at once, and on every other replica within a poll.</summary>
    public async Task PublishAsync(IReadOnlyCollection<string> sessionIds)
    {
        var until = timeProvider.GetUtcNow() + Retention;
        foreach (var sessionId in sessionIds)
        {
            _ended[sessionId] = until;
        }

        var entry = string.Join(',', sessionIds);
        if (!await TryAppendAsync(entry))
        {
            _unpublished.Enqueue(entry);
        }
    }

    /// <summary>Remembers a session that ended at <paramref name="endedAt"/>, for <see cref="Retention"/> from then.</summary>
    public void Remember(string sessionId, DateTimeOffset endedAt) => _ended.TryAdd(sessionId, endedAt + Retention);

    // In BackgroundRounds, so that a Redis call failing in a way the handlers below do not expect (a connection torn
    // down mid-call) ends one round, not the host: an exception leaving ExecuteAsync stops the whole replica.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(
            options.Value.RevocationPollInterval,
            timeProvider,
            _ => PollAsync(),
            exception => LogPollFailed(logger, exception),
            stoppingToken);

    private async Task PollAsync()
    {
        await RepublishAsync();
        await CatchUpAsync();
        SweepIfDue();
    }

    private async Task<bool> TryAppendAsync(string entry)
    {
        // The multiplexer knows at once when its connection is down; the revoking call then need not wait for a timeout.
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            var database = redis.GetDatabase();
            var oldest = (timeProvider.GetUtcNow() - Retention).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            await Task.WhenAll(
                database.StreamAddAsync(SessionKeys.Revocations, SessionsField, entry),
                database.StreamTrimByMinIdAsync(SessionKeys.Revocations, oldest, useApproximateMaxLength: true));
            return true;
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogPublishFailed(logger, exception);
            return false;
        }
    }

    private async Task RepublishAsync()
    {
        while (_unpublished.TryPeek(out var entry) && await TryAppendAsync(entry))
        {
            _unpublished.TryDequeue(out _);
        }
    }

    /// <summary>Reads every entry after the cursor, a page at a time.</summary>
    private async Task CatchUpAsync()
    {
        try
        {
            StreamEntry[] page;
            do
            {
                page = await redis.GetDatabase().StreamRangeAsync(SessionKeys.Revocations, minId: $"({_cursor}", count: PageSize);
                foreach (var entry in page)
                {
                    Remember(entry);
                    _cursor = entry.Id;
                }
            }
            while (page.Length == PageSize);

            if (_redisFailing)
            {
                _redisFailing = false;
                LogReadingAgain(logger);
            }
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            if (!_redisFailing)
            {
                _redisFailing = true;
                LogReadFailed(logger, exception);
            }
        }
    }

    /// <summary>An entry's id starts with Redis's clock at the append in milliseconds; the sessions are remembered from then.</summary>
    private void Remember(StreamEntry entry)
    {
        var id = entry.Id.ToString();
        var appendedAt = long.TryParse(id.AsSpan(0, Math.Max(id.IndexOf('-', StringComparison.Ordinal), 0)), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : timeProvider.GetUtcNow();
        foreach (var sessionId in entry[SessionsField].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Remember(sessionId, appendedAt);
        }
    }

    private void SweepIfDue()
    {
        var now = timeProvider.GetUtcNow();
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepInterval;
        foreach (var (sessionId, until) in _ended)
        {
            if (until <= now)
            {
                _ended.TryRemove(sessionId, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a session revocation in Redis failed; other replicas learn of it from MongoDB at their next read of it, or when a retry succeeds.")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading session revocations from Redis failed; other replicas' revocations reach this one from MongoDB at its next read of it.")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round of publishing and reading session revocations failed; the next round tries again.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading session revocations from Redis again.")]
    private static partial void LogReadingAgain(ILogger logger);
}
