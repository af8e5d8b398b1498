using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// This worker's side of its queue: the fair scheduler that hands it jobs, and one consumer of the <c>workers</c>
/// group on the stream that tracks them while they run. Entries are acknowledged and deleted once their job is
/// settled, so the stream holds only work in progress, and a dead worker's entries are taken over (<c>XAUTOCLAIM</c>).
/// </summary>
/// <remarks>
/// The scheduler is a Lua script rather than a library: no .NET Redis queue offers per-user round-robin with caps over
/// a consumer group, and one script makes each take atomic across any number of workers, in one hash slot.
/// </remarks>
public sealed class JobStreamConsumer(IConnectionMultiplexer redis, IOptions<JobQueueOptions> options)
{
    private const int ScanPageSize = 500;

    // KEYS[1] stream, KEYS[2] waiting index, KEYS[3] turns. ARGV: group, consumer, count, running cap per user,
    // waiting-list prefix, running-set prefix. First reads entries added to the stream directly and not yet read (none
    // in normal operation; it also fails at once with NOGROUP when Redis lost the group, before anything is moved).
    // Then serves users round-robin: the head of the turns takes its oldest waiting job and goes back to the tail while it
    // has more; a user at the running cap keeps its jobs and goes to the tail; a whole round of capped users ends the take.
    // Each job taken is added to the stream and to its user's running set, and read by this consumer at once.
    private const string TakeScript = """
        local function read(n)
          local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', n, 'STREAMS', KEYS[1], '>')
          if not reply then return {} end
          return reply[1][2]
        end
        local wanted = tonumber(ARGV[3])
        local entries = read(wanted)
        wanted = wanted - #entries
        local cap = tonumber(ARGV[4])
        local taken, passed = 0, 0
        while taken < wanted and passed < redis.call('LLEN', KEYS[3]) do
          local user = redis.call('LPOP', KEYS[3])
          local running = ARGV[6] .. user
          if redis.call('SCARD', running) >= cap then
            redis.call('RPUSH', KEYS[3], user)
            passed = passed + 1
          else
            local waiting = ARGV[5] .. user
            local job = redis.call('LPOP', waiting)
            if job then
              if redis.call('LLEN', waiting) > 0 then redis.call('RPUSH', KEYS[3], user) end
              local details = redis.call('HGET', KEYS[2], job) or ''
              redis.call('HDEL', KEYS[2], job)
              local enqueuedAt, traceparent = string.match(details, '^(%S*) ?(%S*)$')
              redis.call('XADD', KEYS[1], '*', 'job', job, 'user', user, 'enqueuedAt', enqueuedAt or '', 'traceparent', traceparent or '')
              redis.call('SADD', running, job)
              taken = taken + 1
            end
            passed = 0
          end
        end
        if taken > 0 then
          for _, entry in ipairs(read(taken)) do table.insert(entries, entry) end
        end
        return entries
        """;

    // KEYS[1] stream, KEYS[2] the user's running set (absent when the entry counts for nobody). ARGV: group, entry id, job id.
    private const string AcknowledgeScript = """
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        if KEYS[2] then redis.call('SREM', KEYS[2], ARGV[3]) end
        return 1
        """;

    private readonly string _queue = options.Value.Queue;
    private readonly RedisKey _stream = JobKeys.Stream(options.Value.Queue);
    private readonly RedisKey _delayed = JobKeys.Delayed(options.Value.Queue);
    private readonly RedisKey _waiting = JobKeys.Waiting(options.Value.Queue);

    // Holds at most one signal: several discoveries before anyone looks mean one loss to repair.
    private readonly Channel<bool> _losses = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private RedisValue _reclaimCursor = "0-0";

    /// <summary>
    /// Signalled when Redis turns out to have lost the consumer group: it was flushed, restarted or replaced, and
    /// everything dispatched before is gone with it. The group is recreated at once; what it held is for the
    /// reconciler to put back from MongoDB, now rather than at its next sweep.
    /// </summary>
    public ChannelReader<bool> Losses => _losses.Reader;

    /// <summary>Unique per process: a restarted worker is a new consumer, and the old one's entries are taken over once idle.</summary>
    public string ConsumerName { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    private IDatabase Database => redis.GetDatabase();

    /// <summary>
    /// Creates the stream and the group if Redis lost them. The group starts at the beginning, because a
    /// stream that outlived its group (or was recreated by a dispatch) holds only work nobody has done.
    /// </summary>
    public async Task EnsureGroupAsync()
    {
        try
        {
            await Database.StreamCreateConsumerGroupAsync(_stream, JobKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Recreates a group Redis lost, and reports the loss.</summary>
    private async Task RecreateGroupAsync()
    {
        await EnsureGroupAsync();
        _losses.Writer.TryWrite(true);
    }

    /// <summary>Up to <paramref name="count"/> jobs for this worker, chosen fairly across their owners (see <see cref="TakeScript"/>).</summary>
    public async Task<IReadOnlyList<DispatchedJob>> ReadNewAsync(int count)
    {
        try
        {
            var taken = (RedisResult[])(await Database.ScriptEvaluateAsync(
                TakeScript,
                [_stream, _waiting, JobKeys.Turns(_queue)],
                [JobKeys.ConsumerGroup, ConsumerName, count, options.Value.MaxRunningPerUser, JobKeys.WaitingPrefix(_queue), JobKeys.RunningPrefix(_queue)]))!;
            return await ParseAsync([.. taken.Select(ToStreamEntry)]);
        }
        catch (RedisServerException exception) when (IsMissingGroup(exception))
        {
            await RecreateGroupAsync();
            return [];
        }
    }

    /// <summary>Takes over up to <paramref name="count"/> entries whose consumer has not renewed them for <paramref name="minIdle"/>.</summary>
    public async Task<IReadOnlyList<DispatchedJob>> ReclaimAsync(TimeSpan minIdle, int count)
    {
        try
        {
            var result = await Database.StreamAutoClaimAsync(_stream, JobKeys.ConsumerGroup, ConsumerName, (long)minIdle.TotalMilliseconds, _reclaimCursor, count);
            _reclaimCursor = result.NextStartId;
            return await ParseAsync(result.ClaimedEntries);
        }
        catch (RedisServerException exception) when (IsMissingGroup(exception))
        {
            await RecreateGroupAsync();
            return [];
        }
    }

    /// <summary>
    /// Resets the entry's idle time without counting a delivery, so no other worker takes it over while this
    /// one still holds the job's lease.
    /// </summary>
    public async Task RenewAsync(RedisValue entryId)
    {
        try
        {
            await Database.StreamClaimIdsOnlyAsync(_stream, JobKeys.ConsumerGroup, ConsumerName, minIdleTimeInMs: 0, [entryId]);
        }
        catch (RedisServerException exception) when (IsMissingGroup(exception))
        {
            // Redis lost the stream; the reconciler keeps the job from being lost with it.
        }
    }

    /// <summary>Settles an entry: out of the pending list, out of the stream, and out of its owner's running jobs.</summary>
    /// <param name="userId">The job's owner, or null when the entry counts against nobody's running jobs (it names no job).</param>
    public Task AcknowledgeAsync(RedisValue entryId, string jobId, string? userId) =>
        Database.ScriptEvaluateAsync(
            AcknowledgeScript,
            userId is null ? [_stream] : [_stream, JobKeys.RunningOf(_queue, userId)],
            [JobKeys.ConsumerGroup, entryId, jobId]);

    /// <summary>The queue's depth: jobs waiting for a worker, jobs being worked on, and jobs waiting out a retry backoff.</summary>
    public async Task<QueueDepth> MeasureAsync()
    {
        var length = Database.StreamLengthAsync(_stream);
        var waiting = Database.HashLengthAsync(_waiting);
        var delayed = Database.SortedSetLengthAsync(_delayed);
        long delivered;
        try
        {
            delivered = (await Database.StreamPendingAsync(_stream, JobKeys.ConsumerGroup)).PendingMessageCount;
        }
        catch (RedisServerException exception) when (IsMissingGroup(exception))
        {
            delivered = 0;
        }

        return new QueueDepth(Math.Max(0, await length - delivered) + await waiting, delivered, await delayed);
    }

    /// <summary>The ids of every job in the waiting room or with an entry in the stream, read or not.</summary>
    public async Task<HashSet<string>> ListJobIdsAsync()
    {
        var jobIds = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var waiting in Database.HashScanAsync(_waiting, pageSize: ScanPageSize))
        {
            jobIds.Add(waiting.Name.ToString());
        }

        RedisValue start = "-";
        while (true)
        {
            var page = await Database.StreamRangeAsync(_stream, start, "+", ScanPageSize);
            foreach (var entry in page)
            {
                if (DispatchedJob.From(entry) is { } job)
                {
                    jobIds.Add(job.JobId);
                }
            }

            if (page.Length < ScanPageSize)
            {
                return jobIds;
            }

            start = $"({page[^1].Id}";
        }
    }

    /// <summary>Forgets consumers of past processes; only those with nothing pending, so no entry becomes unclaimable.</summary>
    public async Task RemoveIdleConsumersAsync(TimeSpan idleFor)
    {
        StreamConsumerInfo[] consumers;
        try
        {
            consumers = await Database.StreamConsumerInfoAsync(_stream, JobKeys.ConsumerGroup);
        }
        catch (RedisServerException exception) when (IsMissingGroup(exception))
        {
            return;
        }

        foreach (var consumer in consumers.Where(c => c.PendingMessageCount == 0 && c.IdleTimeInMilliseconds > idleFor.TotalMilliseconds && c.Name != ConsumerName))
        {
            await Database.StreamDeleteConsumerAsync(_stream, JobKeys.ConsumerGroup, consumer.Name);
        }
    }

    /// <summary>Entries that name no job cannot be run; they are settled at once rather than retried forever.</summary>
    private async Task<IReadOnlyList<DispatchedJob>> ParseAsync(StreamEntry[] entries)
    {
        var jobs = new List<DispatchedJob>(entries.Length);
        foreach (var entry in entries)
        {
            if (DispatchedJob.From(entry) is { } job)
            {
                jobs.Add(job);
            }
            else
            {
                await AcknowledgeAsync(entry.Id, "", userId: null);
            }
        }

        return jobs;
    }

    /// <summary>An entry as <c>XREADGROUP</c> returns it inside a script: its id, then its fields and values in turn.</summary>
    private static StreamEntry ToStreamEntry(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        var fields = (RedisValue[])parts[1]!;
        var values = new NameValueEntry[fields.Length / 2];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new NameValueEntry(fields[2 * i], fields[(2 * i) + 1]);
        }

        return new StreamEntry((RedisValue)parts[0], values);
    }

    private static bool IsMissingGroup(RedisServerException exception) =>
        exception.Message.StartsWith("NOGROUP", StringComparison.Ordinal) || exception.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase);
}

/// <summary>How many jobs wait for a worker (fairly scheduled), run now, and wait out a retry backoff.</summary>
public sealed record QueueDepth(long Waiting, long InProgress, long Delayed);
