using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// This worker's side of its queue's stream: one consumer of the <c>workers</c> group. Entries are
/// acknowledged and deleted once their job is settled, so the stream holds only outstanding work.
/// </summary>
public sealed class JobStreamConsumer(IConnectionMultiplexer redis, IOptions<JobQueueOptions> options)
{
    private const int ScanPageSize = 500;

    private readonly RedisKey _stream = JobKeys.Stream(options.Value.Queue);
    private readonly RedisKey _delayed = JobKeys.Delayed(options.Value.Queue);

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

    /// <summary>Up to <paramref name="count"/> entries no consumer has read yet.</summary>
    public async Task<IReadOnlyList<DispatchedJob>> ReadNewAsync(int count)
    {
        try
        {
            return await ParseAsync(await Database.StreamReadGroupAsync(_stream, JobKeys.ConsumerGroup, ConsumerName, StreamPosition.NewMessages, count));
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

    /// <summary>Settles an entry: out of the pending list and out of the stream.</summary>
    public Task AcknowledgeAsync(RedisValue entryId) =>
        Task.WhenAll(
            Database.StreamAcknowledgeAsync(_stream, JobKeys.ConsumerGroup, entryId),
            Database.StreamDeleteAsync(_stream, [entryId]));

    /// <summary>The queue's depth: entries not yet read, entries being worked on, and jobs waiting out a retry backoff.</summary>
    public async Task<QueueDepth> MeasureAsync()
    {
        var length = Database.StreamLengthAsync(_stream);
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

        return new QueueDepth(Math.Max(0, await length - delivered), delivered, await delayed);
    }

    /// <summary>The ids of every job with an entry in the stream, read or not.</summary>
    public async Task<HashSet<string>> ListJobIdsAsync()
    {
        var jobIds = new HashSet<string>(StringComparer.Ordinal);
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
                await AcknowledgeAsync(entry.Id);
            }
        }

        return jobs;
    }

    private static bool IsMissingGroup(RedisServerException exception) =>
        exception.Message.StartsWith("NOGROUP", StringComparison.Ordinal) || exception.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase);
}

public sealed record QueueDepth(long Waiting, long InProgress, long Delayed);
