using Harmonia.Bench.Worker;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Worker.Retention;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// The reconciler's sweep of MongoDB against the AppHost's Redis and MongoDB (or a Redis of the test's own, to flush), by
/// a worker in the test process on a queue of its own.
/// </summary>
public sealed class ReconcilerSweepTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>Pages of two jobs, so that a backlog of a few stands for one of thousands.</summary>
    [Fact]
    public async Task ASweepReachesALostJobBehindMorePagesOfOlderUnfinishedJobs()
    {
        var queue = NewQueue("test");
        var database = await DatabaseAsync(fixture);
        var now = DateTime.UtcNow;
        // Older unfinished jobs Redis still knows (waiting out a backoff): a page and a half of them.
        for (var i = 0; i < 3; i++)
        {
            await InsertAsync(database, queue, updatedAt: now.AddHours(-1).AddSeconds(i), nextAttemptAt: now.AddHours(1));
        }

        // A newer one whose dispatch Redis never got (submitted while it was down).
        var lost = await InsertAsync(database, queue, updatedAt: now.AddMinutes(-1), nextAttemptAt: null);

        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Jobs:SweepInterval"] = "00:00:01",
            ["Harmonia:Jobs:SweepPageSize"] = "2",
        }, new NoOpSongGenerator());

        await Eventually.HoldsAsync(
            async () => (await FindJobAsync(database, lost.Id))?.Status == JobStatus.Completed,
            TimeSpan.FromSeconds(15),
            "a sweep dispatches the lost job and the worker runs it");
        await database.GetCollection<JobDocument>(JobStore.Name)
            .DeleteManyAsync(Builders<JobDocument>.Filter.Eq(job => job.Queue, queue), CancellationToken);
    }

    [Fact]
    public async Task SweepsCloseTogetherDoNotTakeARunningJobFromAWorkerAboutToRetakeItsLease()
    {
        var queue = NewQueue("test");
        var database = await DatabaseAsync(fixture);
        var redis = fixture.Redis.GetDatabase();
        // A job running on a live worker whose lease Redis just lost (a flush); that worker takes it again at its next renewal.
        const string liveWorker = "the-live-workers-token";
        var running = await InsertAsync(database, queue, updatedAt: DateTime.UtcNow.AddMinutes(-1), nextAttemptAt: null, JobStatus.Running, liveWorker);
        var sweepInterval = TimeSpan.FromSeconds(1);

        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Jobs:SweepInterval"] = "00:00:01",
            ["Harmonia:Jobs:LeaseDuration"] = "00:00:10",
        }, new NoOpSongGenerator());
        var suspect = JobKeys.LeaselessSuspect(queue, running.Id);
        await Eventually.HoldsAsync(async () => await redis.KeyExistsAsync(suspect), TimeSpan.FromSeconds(10), "a sweep finds the job without a lease");
        // The live worker is slow to renew: two more sweeps find the job still without a lease. It is part of the scenario,
        // not a wait for an outcome; a lease duration has not passed, so the worker may still renew.
        await Task.Delay(sweepInterval * 2.5, CancellationToken);
        await redis.StringSetAsync(JobKeys.Lease(running.Id), liveWorker, TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(async () => !await redis.KeyExistsAsync(suspect), TimeSpan.FromSeconds(10), "a sweep finds the lease back");

        var job = await FindJobAsync(database, running.Id);
        Assert.Equal((JobStatus.Running, 1, liveWorker), (job!.Status, job.Attempts, job.LeaseOwner));
        await database.GetCollection<JobDocument>(JobStore.Name)
            .DeleteManyAsync(Builders<JobDocument>.Filter.Eq(job => job.Queue, queue), CancellationToken);
    }

    [Fact]
    public async Task ASweepAfterRedisLostTheQueueThatFailsIsTriedAgainWithinSecondsNotLeftToThePeriodicSweep()
    {
        var queue = NewQueue("test");
        await using var ownRedis = await OwnRedis.StartAsync(fixture);
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{ownRedis.ConnectionString},allowAdmin=true");
        // This round of retention is taken, so the worker's first one leaves the jobs alone: the only read of them the
        // fault below can take is the sweep's. The flush removes the mark, and the next round is an hour away.
        await admin.GetDatabase().StringSetAsync(RetentionKeys.Round(queue), "", TimeSpan.FromHours(1));
        var answers = new LostMongoAnswers();
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = ownRedis.ConnectionString,
            ["Harmonia:Jobs:Queue"] = queue,
            // Far beyond the test: only a sweep after the loss can put the job back in time.
            ["Harmonia:Jobs:SweepInterval"] = "00:10:00",
        }, new NoOpSongGenerator(), services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        await Eventually.HoldsAsync(
            async () => await admin.GetDatabase().KeyExistsAsync(JobKeys.Stream(queue)),
            TimeSpan.FromSeconds(30),
            "the worker created its queue's consumer group");
        // Queued just before Redis loses everything: MongoDB has the job, Redis will not.
        var database = await DatabaseAsync(fixture);
        var queued = await InsertAsync(database, queue, updatedAt: DateTime.UtcNow, nextAttemptAt: null);

        // The sweep the loss triggers fails on its first MongoDB read (MongoDB away, or Redis flapping again).
        answers.FailNext(nameof(IMongoCollection<JobDocument>.FindAsync), JobStore.Name);
        await admin.GetServers().Single().FlushAllDatabasesAsync();

        await Eventually.HoldsAsync(() => Task.FromResult(answers.Lost == 1), TimeSpan.FromSeconds(10), "the worker noticed the loss and its sweep failed");
        await Eventually.HoldsAsync(
            async () => (await FindJobAsync(database, queued.Id))?.Status == JobStatus.Completed,
            TimeSpan.FromSeconds(10),
            "a sweep after the failed one dispatches the job and the worker runs it");
        await database.GetCollection<JobDocument>(JobStore.Name)
            .DeleteManyAsync(Builders<JobDocument>.Filter.Eq(job => job.Queue, queue), CancellationToken);
    }

    private static async Task<JobDocument> InsertAsync(
        IMongoDatabase database, string queue, DateTime updatedAt, DateTime? nextAttemptAt, JobStatus status = JobStatus.Pending, string? leaseOwner = null)
    {
        MongoConventions.Register();
        var job = new JobDocument
        {
            UserId = MongoDB.Bson.ObjectId.GenerateNewId().ToString(),
            Queue = queue,
            Type = JobType.Song,
            Prompt = "a song the sweep must find",
            DurationSeconds = 1,
            Status = status,
            Attempts = status is JobStatus.Running ? 1 : 0,
            LeaseOwner = leaseOwner,
            Version = 1,
            NextAttemptAt = nextAttemptAt,
            CreatedAt = updatedAt,
            UpdatedAt = updatedAt,
        };
        await database.GetCollection<JobDocument>(JobStore.Name).InsertOneAsync(job, cancellationToken: CancellationToken);
        return job;
    }
}
