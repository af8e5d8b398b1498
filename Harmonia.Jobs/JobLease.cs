using Harmonia.DataStores;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// A worker's exclusive hold on one job (<c>job:{jobId}:lease</c> = a random token, expiring unless renewed).
/// Whoever sets the key runs the job; MongoDB transitions are conditional on the same token, so a worker
/// whose lease ran out (paused, partitioned) can no longer change the job. While held, the lease is renewed
/// on a timer of its own, the stream entry's idle time is reset with it, and the job's cancel request is looked at.
/// </summary>
public sealed partial class JobLease : IAsyncDisposable
{
    // KEYS[1] lease, KEYS[2] status. ARGV: token, TTL ms, unfinished status TTL ms. 1 = held, -1 = lost. A missing
    // lease means Redis forgot it (flush, restart); nobody else can have taken the job without setting it, so the
    // holder takes it again. A held lease keeps the job's unfinished status alive however rarely its generator reports
    // progress; a longer TTL is a finished status's, which it leaves alone.
    private const string RenewScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2])
        elseif not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        else return -1 end
        local statusTtl = redis.call('PTTL', KEYS[2])
        if statusTtl > 0 and statusTtl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
        return 1
        """;

    private static readonly RedisValue UnfinishedStatusTimeToLiveMilliseconds = (long)JobKeys.UnfinishedStatusTimeToLive.TotalMilliseconds;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly IDatabase _database;
    private readonly string _jobId;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _canceled = new();
    private readonly CancellationTokenSource _lost = new();
    private PeriodicTimer? _renewal;
    private Task _renewing = Task.CompletedTask;
    private bool _released;

    private JobLease(IDatabase database, string jobId, string token, TimeSpan duration, ILogger logger)
    {
        _database = database;
        _jobId = jobId;
        Token = token;
        _duration = duration;
        _logger = logger;
    }

    public string Token { get; }

    /// <summary>Fires when the job's owner cancels it.</summary>
    public CancellationToken Canceled => _canceled.Token;

    /// <summary>Fires when another worker holds the job now; this one must stop and change nothing.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Takes the job's lease, or returns null when another worker holds it.</summary>
    public static async Task<JobLease?> TryAcquireAsync(IDatabase database, string jobId, TimeSpan duration, ILogger logger)
    {
        var token = Guid.NewGuid().ToString("N");
        return await database.StringSetAsync(JobKeys.Lease(jobId), token, duration, When.NotExists)
            ? new JobLease(database, jobId, token, duration, logger)
            : null;
    }

    /// <summary>Cancels the attempt; the generator's continuations run on the thread pool, not on the caller's (Redis's) thread.</summary>
    public void RequestCancel() => _ = _canceled.CancelAsync();

    public void MarkLost() => _ = _lost.CancelAsync();

    /// <summary>Starts renewing every <paramref name="interval"/>, together with the job's stream entry, and polling for a cancel.</summary>
    public void StartRenewing(JobStreamConsumer stream, RedisValue entryId, JobCancellations cancellations, TimeSpan interval, TimeProvider timeProvider)
    {
        _renewal = new PeriodicTimer(interval, timeProvider);
        _renewing = RenewAsync(_renewal, stream, entryId, cancellations);
    }

    /// <summary>
    /// Stops renewing and gives the lease up, if it is still this worker's. Call it before putting the job
    /// back on the queue: a worker that reads the new entry while this lease still stands leaves it for a
    /// lease duration.
    /// </summary>
    public async Task ReleaseAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        // Renewal re-takes a missing key, so it must stop before the key is deleted. A disposed timer ends the
        // renewal loop (its pending wait returns false) without the exception a cancelled wait would throw.
        _renewal?.Dispose();
        await _renewing;
        try
        {
            await _database.ScriptEvaluateAsync(ReleaseScript, [JobKeys.Lease(_jobId)], [Token]);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // The lease expires by itself; another worker just waits that long before taking over.
            LogReleaseFailed(_logger, _jobId, exception);
        }
    }

    /// <remarks>The cancel sources stay undisposed: a cancel message for this job may still be on its way to them.</remarks>
    public ValueTask DisposeAsync() => new(ReleaseAsync());

    private async Task RenewAsync(PeriodicTimer timer, JobStreamConsumer stream, RedisValue entryId, JobCancellations cancellations)
    {
        while (await timer.WaitForNextTickAsync())
        {
            try
            {
                var held = (int)await _database.ScriptEvaluateAsync(
                    RenewScript, [JobKeys.Lease(_jobId), JobKeys.Status(_jobId)], [Token, (long)_duration.TotalMilliseconds, UnfinishedStatusTimeToLiveMilliseconds]);
                if (held < 0)
                {
                    LogLeaseLost(_logger, _jobId);
                    await _lost.CancelAsync();
                    return;
                }

                await stream.RenewAsync(entryId);
                if (await cancellations.IsRequestedAsync(_jobId))
                {
                    await _canceled.CancelAsync();
                }
            }
            catch (Exception exception) when (exception.IsRedisFailure())
            {
                // Nobody can take the job over while Redis is unreachable either; keep trying.
                LogRenewalFailed(_logger, _jobId, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: another worker holds its lease now; this attempt stops without changing it.")]
    private static partial void LogLeaseLost(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: renewing its lease failed; retrying.")]
    private static partial void LogRenewalFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: releasing its lease failed; it expires by itself.")]
    private static partial void LogReleaseFailed(ILogger logger, string jobId, Exception exception);
}
