using System.Net;
using Harmonia.Bench.Worker;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// A submission that fails after its job is stored answers 503, "try again shortly", so its job must never run. When the
/// waiting cap's count or the admission after the insert failed, the job stayed pending, uncounted, for the reconciler to
/// dispatch half a minute later, and the client's retry made a second one: two songs for one request.
/// </summary>
public sealed class FailedSubmissionTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>How long a sweep that dispatches a quiet job and a one-second run take, with room for a busy machine.</summary>
    private static readonly TimeSpan SweepAndRunBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ASubmissionThatFailsAfterItsInsertLeavesNoJob()
    {
        var answers = new LostMongoAnswers();
        await using var api = await InProcessApi.StartAsync(fixture, UnservedQueue(), services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        answers.FailNext(nameof(IMongoCollection<JobDocument>.CountDocumentsAsync), JobStore.Name);
        using var response = await PostAsync(client, user.Tokens.AccessToken, Song("a song asked for once", durationSeconds: 1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(await JobsOfAsync(user.Id));
        Assert.Equal(1, answers.Lost);
    }

    /// <summary>The admission lands but its answer is lost: the job no longer has its mark, and must still go.</summary>
    [Fact]
    public async Task ASubmissionWhoseAdmissionLandsWithItsAnswerLostLeavesNoJob()
    {
        var answers = new LostMongoAnswers();
        await using var api = await InProcessApi.StartAsync(fixture, UnservedQueue(), services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        answers.LoseNext(nameof(IMongoCollection<JobDocument>.FindOneAndUpdateAsync), JobStore.Name);
        using var response = await PostAsync(client, user.Tokens.AccessToken, Song("a song asked for once", durationSeconds: 1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(await JobsOfAsync(user.Id));
        Assert.Equal(1, answers.Lost);
    }

    /// <summary>
    /// No worker starts a job awaiting admission, whatever put it on the stream (a reconciler of an older version during a
    /// rolling deploy dispatched every pending job): its submission may yet answer 503.
    /// </summary>
    [Fact]
    public async Task AWorkerNeverStartsAJobAwaitingAdmissionEvenWhenItIsOnTheStream()
    {
        var queue = NewQueue("failed");
        var marked = await StoreAsync(queue, awaitingAdmission: true, age: TimeSpan.Zero);
        var witness = await StoreAsync(queue, awaitingAdmission: false, age: TimeSpan.Zero);
        var database = await DatabaseAsync(fixture);
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = queue }, new NoOpSongGenerator());
        var dispatcher = worker.Services.GetRequiredService<JobDispatcher>();

        await dispatcher.DispatchAsync(marked, DispatchReason.Recovered);
        await dispatcher.DispatchAsync(witness, DispatchReason.Recovered);
        await Eventually.HoldsAsync(
            async () => (await FindJobAsync(database, witness.Id))?.Status == JobStatus.Completed,
            SweepAndRunBound,
            "the worker runs the job dispatched after the marked one");

        var stillMarked = await FindJobAsync(database, marked.Id);
        Assert.Equal((JobStatus.Pending, 0, true), (stillMarked!.Status, stillMarked.Attempts, stillMarked.AwaitingAdmission));
    }

    [Fact]
    public async Task ASubmissionWhoseFailureAndWithdrawalBothFailIsNeverRun()
    {
        var queue = NewQueue("failed");
        var counts = new LostMongoAnswers();
        var withdrawals = new LostMongoAnswers();
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = queue }, services => services
            .AddSingleton(provider => new JobStore(
                counts.Wrap(withdrawals.Wrap(provider.GetRequiredService<IMongoDatabase>())), provider.GetRequiredService<TimeProvider>())));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Jobs:SweepInterval"] = "00:00:01",
        }, new NoOpSongGenerator());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        counts.FailNext(nameof(IMongoCollection<JobDocument>.CountDocumentsAsync), JobStore.Name);
        withdrawals.FailNext(nameof(IMongoCollection<JobDocument>.DeleteOneAsync), JobStore.Name);
        using var response = await PostAsync(client, user.Tokens.AccessToken, Song("a song asked for once", durationSeconds: 1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var failed = Assert.Single(await JobsOfAsync(user.Id));
        var database = await DatabaseAsync(fixture);

        // A job stored after it that Redis never heard of: once a sweep has dispatched and run it, a sweep has seen the
        // failed job quiet too, and would have dispatched it alike.
        var witness = await StoreAsync(queue, awaitingAdmission: false, age: TimeSpan.Zero);
        await Eventually.HoldsAsync(
            async () => (await FindJobAsync(database, witness.Id))?.Status == JobStatus.Completed,
            SweepAndRunBound,
            "a sweep dispatches the job stored after the failed one, and the worker runs it");

        var stillFailed = await FindJobAsync(database, failed.Id);
        Assert.Equal((JobStatus.Pending, 0, true), (stillFailed!.Status, stillFailed.Attempts, stillFailed.AwaitingAdmission));
        Assert.Equal(0, await CountByJobAsync(database, "songs", failed.Id));
        Assert.Equal((1, 1), (counts.Lost, withdrawals.Lost));
    }

    [Fact]
    public async Task ASweepWithdrawsAJobStillAwaitingAdmissionPastTheBound()
    {
        var queue = NewQueue("failed");
        // Its submitter's verdict never came (its count and withdrawal failed, or it stopped) two minutes ago.
        var overdue = await StoreAsync(queue, awaitingAdmission: true, age: JobDocument.AdmissionBound * 2);
        var database = await DatabaseAsync(fixture);

        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Jobs:SweepInterval"] = "00:00:01",
        }, new NoOpSongGenerator());

        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, overdue.Id) is null,
            SweepAndRunBound,
            "a sweep withdraws the job instead of dispatching it");
        Assert.Equal(0, await CountByJobAsync(database, "songs", overdue.Id));
    }

    private static Dictionary<string, string?> UnservedQueue() => new() { ["Harmonia:Jobs:Queue"] = NewQueue("failed") };

    private async Task<List<JobDocument>> JobsOfAsync(string userId)
    {
        MongoConventions.Register();
        return await (await DatabaseAsync(fixture)).GetCollection<JobDocument>(JobStore.Name)
            .Find(Builders<JobDocument>.Filter.Eq(job => job.UserId, userId)).ToListAsync(CancellationToken);
    }

    /// <summary>A pending job of a user of its own, stored as an API instance's insert does, that Redis never heard of.</summary>
    private async Task<JobDocument> StoreAsync(string queue, bool awaitingAdmission, TimeSpan age) =>
        await StorePendingAsync(
            await DatabaseAsync(fixture), ObjectId.GenerateNewId().ToString(), queue, "a song Redis never heard of", awaitingAdmission, age);
}
