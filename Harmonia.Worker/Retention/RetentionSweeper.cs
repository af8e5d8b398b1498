using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;
using StackExchange.Redis;

namespace Harmonia.Worker.Retention;

/// <summary>
/// Deletes what finished work leaves behind, on a schedule and in batches: jobs of this worker's queue finished longer
/// than <see cref="RetentionOptions.FinishedJobs"/> ago, with their status in Redis (deleted by key, never found by a
/// scan), audio files no song references (an attempt that died between upload and insert, a song deletion cut
/// short), and mail given up on longer than <see cref="RetentionOptions.SettledMail"/> ago. MongoDB decides what
/// goes; a TTL index would not run on every server Harmonia supports (the local stand-in has none). One worker per
/// queue sweeps each round (whoever takes the round's key); the deletes are idempotent anyway, so workers of several
/// queues, which share one outbox, may each sweep it.
/// </summary>
public sealed partial class RetentionSweeper(
    JobStore jobs,
    SongStore songs,
    MailOutbox outbox,
    IConnectionMultiplexer redis,
    IOptions<JobQueueOptions> queue,
    IOptions<RetentionOptions> options,
    TimeProvider timeProvider,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(options.Value.Interval, timeProvider, RoundAsync, exception => LogSweepFailed(logger, exception), stoppingToken);

    /// <summary>One worker sweeps per interval: the first to mark the round in Redis.</summary>
    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (await redis.GetDatabase().StringSetAsync(RetentionKeys.Round(queue.Value.Queue), "", options.Value.Interval * 0.9, When.NotExists))
        {
            await SweepAsync(cancellationToken);
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var finishedJobs = await DeleteFinishedJobsAsync(now - options.Value.FinishedJobs, cancellationToken);
        var audioFiles = await DeleteUnreferencedAudioAsync(now - options.Value.UnreferencedAudio, cancellationToken);
        var settledMail = await DeleteSettledMailAsync(now - options.Value.SettledMail, cancellationToken);
        if (finishedJobs > 0 || audioFiles > 0 || settledMail > 0)
        {
            LogSwept(logger, finishedJobs, audioFiles, settledMail);
        }
    }

    private async Task<long> DeleteFinishedJobsAsync(DateTime finishedBefore, CancellationToken cancellationToken)
    {
        var filter = Builders<JobDocument>.Filter.Eq(job => job.Queue, queue.Value.Queue)
            & Builders<JobDocument>.Filter.In(job => job.Status, [JobStatus.Completed, JobStatus.Failed, JobStatus.Canceled])
            & Builders<JobDocument>.Filter.Lt(job => job.CompletedAt, finishedBefore);
        long deleted = 0;
        List<JobDocument> batch;
        do
        {
            batch = await jobs.Documents.Find(filter).Limit(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            var ids = batch.Select(job => job.Id).ToList();
            deleted += (await jobs.Documents.DeleteManyAsync(Builders<JobDocument>.Filter.In(job => job.Id, ids) & filter, cancellationToken)).DeletedCount;
            // Each key is in its job's slot, so one DEL per key (batched in one round trip), never a multi-key DEL.
            var database = redis.GetDatabase();
            var redisBatch = database.CreateBatch();
            var removals = ids.SelectMany(id => new[] { redisBatch.KeyDeleteAsync(JobKeys.Status(id)), redisBatch.KeyDeleteAsync(JobKeys.CancelFlag(id)) }).ToList();
            redisBatch.Execute();
            await Task.WhenAll(removals);
        }
        while (batch.Count == BatchSize);

        return deleted;
    }

    private async Task<long> DeleteUnreferencedAudioAsync(DateTime uploadedBefore, CancellationToken cancellationToken)
    {
        long deleted = 0;
        var after = ObjectId.Empty;
        while (true)
        {
            var files = await (await songs.Audio.FindAsync(
                Builders<GridFSFileInfo>.Filter.Lt(file => file.UploadDateTime, uploadedBefore) & Builders<GridFSFileInfo>.Filter.Gt(file => file.Id, after),
                new GridFSFindOptions { Sort = Builders<GridFSFileInfo>.Sort.Ascending(file => file.Id), Limit = BatchSize },
                cancellationToken)).ToListAsync(cancellationToken);
            if (files.Count == 0)
            {
                return deleted;
            }

            var ids = files.Select(file => file.Id.ToString()).ToList();
            // Through the audioFileId index, reading only that field: a batch costs its matches, not a scan of every song.
            var referenced = (await songs.Documents.Find(Builders<SongDocument>.Filter.In(song => song.AudioFileId, ids))
                    .Project<SongDocument>(Builders<SongDocument>.Projection.Include(song => song.AudioFileId).Exclude(song => song.Id))
                    .ToListAsync(cancellationToken))
                .Select(song => song.AudioFileId)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var file in files.Where(file => !referenced.Contains(file.Id.ToString())))
            {
                await songs.Audio.DeleteAsync(file.Id, cancellationToken);
                deleted++;
            }

            after = files[^1].Id;
        }
    }

    private async Task<long> DeleteSettledMailAsync(DateTime settledBefore, CancellationToken cancellationToken)
    {
        long deleted = 0;
        long batch;
        do
        {
            batch = await outbox.DeleteSettledAsync(settledBefore, BatchSize, cancellationToken);
            deleted += batch;
        }
        while (batch == BatchSize);

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Jobs} finished jobs past their retention, {AudioFiles} audio files no song references and {Mails} settled mails past their retention.")]
    private static partial void LogSwept(ILogger logger, long jobs, long audioFiles, long mails);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention sweep failed; the next one tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>The Redis key retention owns.</summary>
public static class RetentionKeys
{
    /// <summary>Taken by the one worker of a queue sweeping this round; expires before the next.</summary>
    public static RedisKey Round(string queue) => $"jobs:{{{queue}}}:retention";
}
