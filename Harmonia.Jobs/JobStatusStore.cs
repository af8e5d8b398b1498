using System.Text.Json;
using Harmonia.DataStores;
using Harmonia.Notifications;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// Job snapshots in Redis (<c>job:{jobId}</c>: a finished job's for one day, an unfinished one's for
/// <see cref="JobKeys.UnfinishedStatusTimeToLive"/> after its last write or lease renewal) and their fan-out on the job's channels. A write
/// only lands if it is newer than what is there, so the API repopulating from MongoDB, a worker reporting
/// progress and a worker finishing the job can race in any order and the newest state wins. Redis only mirrors
/// MongoDB here, so the <c>Try</c> methods treat an unavailable Redis as "not now": readers fall back to MongoDB. Every
/// published snapshot is also appended to the owner's notifications, which their clients read on any replica.
/// </summary>
public sealed partial class JobStatusStore(IConnectionMultiplexer redis, UserNotifications notifications, ILogger<JobStatusStore> logger)
{
    // KEYS[1] status hash, KEYS[2] lease. ARGV: version, progress, snapshot JSON, TTL seconds,
    // channel ('' = do not publish), lease token ('' = the caller already won a MongoDB transition).
    // A missing lease is not a lost one: Redis may have been flushed, and the holder renews it shortly.
    private const string WriteScript = """
        if ARGV[6] ~= '' then
          local holder = redis.call('GET', KEYS[2])
          if holder and holder ~= ARGV[6] then return -1 end
        end
        local current = redis.call('HMGET', KEYS[1], 'version', 'progress')
        if current[1] then
          local version, progress = tonumber(current[1]), tonumber(current[2])
          local newVersion, newProgress = tonumber(ARGV[1]), tonumber(ARGV[2])
          if version > newVersion or (version == newVersion and progress >= newProgress) then return 0 end
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1], 'progress', ARGV[2], 'data', ARGV[3])
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[3]) end
        return 1
        """;

    private static readonly RedisValue FinishedTimeToLiveSeconds = (long)JobKeys.StatusTimeToLive.TotalSeconds;

    // A write MongoDB made final may be lost to Redis (a timeout, a failover) while the last non-final one stays; so
    // that one must not outlast its job by more than a few seconds, or readers would see the job unfinished for a day.
    private static readonly RedisValue UnfinishedTimeToLiveSeconds = (long)JobKeys.UnfinishedStatusTimeToLive.TotalSeconds;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>Stores the snapshot if it is the newest, and then (if <paramref name="publish"/>) announces it on the job's channel.</summary>
    /// <param name="leaseToken">When given, the write is refused if another token holds the job's lease.</param>
    public async Task<StatusWrite> WriteAsync(JobSnapshot snapshot, bool publish, string? leaseToken = null)
    {
        var channel = !publish ? "" : (snapshot.IsFinal ? JobKeys.CompletedChannel(snapshot.Id) : JobKeys.ProgressChannel(snapshot.Id)).ToString();
        var json = Serialize(snapshot);
        var result = (int)await Database.ScriptEvaluateAsync(
            WriteScript,
            [JobKeys.Status(snapshot.Id), JobKeys.Lease(snapshot.Id)],
            [snapshot.Version, snapshot.Progress, json, snapshot.IsFinal ? FinishedTimeToLiveSeconds : UnfinishedTimeToLiveSeconds, channel, leaseToken ?? ""]);
        if (result == 1 && publish)
        {
            // Another hash slot than the job's keys (the user's), so not in the same script; a failure is logged there.
            await notifications.TryAppendAsync(snapshot.UserId, NotificationTypes.Job, json);
        }

        return result switch
        {
            1 => StatusWrite.Applied,
            0 => StatusWrite.Stale,
            _ => StatusWrite.LeaseLost,
        };
    }

    /// <summary>Stores the snapshot (and announces it, if <paramref name="publish"/>) unless Redis is unavailable.</summary>
    public async Task TryWriteAsync(JobSnapshot snapshot, bool publish)
    {
        try
        {
            await WriteAsync(snapshot, publish);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogWriteFailed(logger, snapshot.Id, exception);
        }
    }

    /// <summary>Forgets a deleted job's snapshot; if Redis cannot answer, the snapshot lasts until it expires.</summary>
    public async Task TryRemoveAsync(string jobId)
    {
        try
        {
            await Database.KeyDeleteAsync(JobKeys.Status(jobId));
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogWriteFailed(logger, jobId, exception);
        }
    }

    /// <summary>The job's latest snapshot, or null when Redis does not have it or cannot answer.</summary>
    public async Task<JobSnapshot?> TryReadAsync(string jobId)
    {
        try
        {
            return await ReadAsync(jobId);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogReadFailed(logger, jobId, exception);
            return null;
        }
    }

    /// <summary>The job's latest snapshot, or null when Redis does not have it (expired, evicted or flushed).</summary>
    public async Task<JobSnapshot?> ReadAsync(string jobId) =>
        Deserialize(await Database.HashGetAsync(JobKeys.Status(jobId), "data"));

    /// <summary>The snapshots Redis has of these jobs, in one round trip; none when Redis cannot answer.</summary>
    public async Task<IReadOnlyDictionary<string, JobSnapshot>> TryReadManyAsync(IReadOnlyCollection<string> jobIds)
    {
        try
        {
            return await ReadManyAsync(jobIds);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogReadFailed(logger, string.Join(',', jobIds), exception);
            return new Dictionary<string, JobSnapshot>();
        }
    }

    private async Task<IReadOnlyDictionary<string, JobSnapshot>> ReadManyAsync(IReadOnlyCollection<string> jobIds)
    {
        var batch = Database.CreateBatch();
        var reads = jobIds.Select(id => (Id: id, Read: batch.HashGetAsync(JobKeys.Status(id), "data"))).ToList();
        batch.Execute();
        var snapshots = new Dictionary<string, JobSnapshot>();
        foreach (var (id, read) in reads)
        {
            if (Deserialize(await read) is { } snapshot)
            {
                snapshots[id] = snapshot;
            }
        }

        return snapshots;
    }

    /// <summary>Reads a snapshot as stored or published; null for anything else.</summary>
    public static JobSnapshot? Deserialize(RedisValue json)
    {
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize((string)json!, JobsJsonContext.Default.JobSnapshot);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Serialize(JobSnapshot snapshot) => JsonSerializer.Serialize(snapshot, JobsJsonContext.Default.JobSnapshot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing job {JobId}'s status to Redis failed; readers fall back to MongoDB.")]
    private static partial void LogWriteFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading job status for {JobIds} from Redis failed; reading MongoDB instead.")]
    private static partial void LogReadFailed(ILogger logger, string jobIds, Exception exception);
}

public enum StatusWrite
{
    /// <summary>Stored (and published, if asked).</summary>
    Applied,

    /// <summary>Redis already holds the same or a newer state; nothing changed.</summary>
    Stale,

    /// <summary>The caller's lease token no longer holds the job; nothing changed.</summary>
    LeaseLost,
}
