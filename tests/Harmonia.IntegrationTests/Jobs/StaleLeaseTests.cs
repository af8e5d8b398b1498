using Harmonia.Bench.Worker;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// A job's lease still standing, with no live worker behind it, when a worker takes its only stream entry over. Such an
/// entry was dropped as a duplicate of a running job: nobody ran the job, and it kept its place among its owner's running
/// jobs, which only its settled entry gives back (two such jobs and the scheduler passed their owner over for good). Each
/// test runs an API and a worker of its own on a queue of its own, the worker sweeping too rarely to repair anything.
/// </summary>
public sealed class StaleLeaseTests(AppHostFixture fixture)
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task AnEntryTakenOverWhileItsDeadWorkersLeaseStandsRunsOnceTheLeaseLapsesAndFreesItsOwnersSlot()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, Settings(queue));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "its first worker died", durationSeconds: 1);

        // A worker reads the entry, stalls, takes the lease, claims the job and dies before its first renewal: its lease
        // outlives the entry's idle time by the stall. Any stall opens the window; a long one keeps it open while the next
        // worker starts on a busy machine.
        var stall = TimeSpan.FromSeconds(8);
        var dead = new JobStreamConsumer(fixture.Redis, Options.Create(new JobQueueOptions { Queue = queue }));
        await dead.EnsureGroupAsync();
        Assert.Single(await dead.ReadNewAsync(1));
        const string deadWorker = "the-dead-workers-token";
        await fixture.Redis.GetDatabase().StringSetAsync(JobKeys.Lease(job.Id), deadWorker, LeaseDuration + stall);
        var database = await DatabaseAsync(fixture);
        MongoConventions.Register();
        Assert.NotNull(await new JobStore(database, TimeProvider.System).TryClaimAsync(job.Id, deadWorker));

        await using var worker = await InProcessWorker.StartAsync(fixture, Settings(queue), new NoOpSongGenerator());

        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, job.Id) is { Status: JobStatus.Completed },
            FinishBound,
            "the next worker runs the job once the dead one's lease lapses");
        Assert.Equal(2, (await FindJobAsync(database, job.Id))!.Attempts);
        await AssertSettledAsync(worker, queue, user.Id);
    }

    [Fact]
    public async Task AClaimWhoseAnswerIsLostGivesTheLeaseUpAtOnceAndTheJobRunsWhenItsEntryIsTakenOver()
    {
        var queue = NewQueue("test");
        var answers = new LostMongoAnswers();
        answers.LoseNext(nameof(IMongoCollection<JobDocument>.FindOneAndUpdateAsync), JobStore.Name);
        await using var worker = await InProcessWorker.StartAsync(fixture, Settings(queue), new NoOpSongGenerator(), services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        await using var api = await InProcessApi.StartAsync(fixture, Settings(queue));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "claimed without an answer", durationSeconds: 1);

        await Eventually.HoldsAsync(() => Task.FromResult(answers.Lost == 1), TimeSpan.FromSeconds(10), "the worker's claim landed and its answer was lost");
        // Left to lapse, the lease would stand a lease duration after it was taken, just when the entry can be taken over.
        await Eventually.HoldsAsync(
            async () => !await fixture.Redis.GetDatabase().KeyExistsAsync(JobKeys.Lease(job.Id)),
            LeaseDuration / 2,
            "the worker gives the lease of the job it failed to claim up");
        var database = await DatabaseAsync(fixture);
        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, job.Id) is { Status: JobStatus.Completed },
            FinishBound,
            "the entry is taken over and the job runs");
        // The lost claim landed, so it counts as an attempt.
        Assert.Equal(2, (await FindJobAsync(database, job.Id))!.Attempts);
        await AssertSettledAsync(worker, queue, user.Id);
    }

    /// <summary>The job's entry is off the stream, and its owner has no running job left.</summary>
    private async Task AssertSettledAsync(InProcessHost<Harmonia.Worker.Jobs.JobWorkerOptions> worker, string queue, string userId)
    {
        // The worker settles the entry just after it writes the job's completion.
        var stream = worker.Services.GetRequiredService<JobStreamConsumer>();
        await Eventually.HoldsAsync(async () => await stream.MeasureAsync() is { Waiting: 0, InProgress: 0 }, TimeSpan.FromSeconds(10), "the entry is settled");
        Assert.Equal(0, await fixture.Redis.GetDatabase().SetLengthAsync(JobKeys.RunningOf(queue, userId)));
    }

    private static Dictionary<string, string?> Settings(string queue) => new()
    {
        ["Harmonia:Jobs:Queue"] = queue,
        ["Harmonia:Jobs:LeaseDuration"] = LeaseDuration.ToString(),
        // A sweep would put a lost job back a minute or two later, hiding what the worker did.
        ["Harmonia:Jobs:SweepInterval"] = "00:10:00",
    };
}
