using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// A repeat of a submission (the same Idempotency-Key and body) is answered with the earlier job only once the waiting
/// cap has admitted it. A repeat that came while the earlier request was between its insert and its cap's verdict found
/// the job and answered 202, and the earlier request then withdrew it: its client held a job that never ran and read as
/// 404. Each test has an API of its own on a queue no worker serves, so what waits stays waiting.
/// </summary>
public sealed class IdempotentRepeatTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>How long the held request may take to reach MongoDB: its sign-in check and insert, on a busy machine.</summary>
    private static readonly TimeSpan InsertBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ARepeatWhileTheOriginalAwaitsItsCapVerdictIsToldToRetryAndNeverAcceptedForAJobThatIsWithdrawn()
    {
        var answers = new LostMongoAnswers();
        await using var api = await InProcessApi.StartAsync(fixture, Settings(maxWaiting: 1), services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var waiting = await SubmitSongAsync(client, user.Tokens.AccessToken, "the one waiting job the cap allows", durationSeconds: 1);
        var overTheCap = Song("one over the cap, sent twice", durationSeconds: 1);

        // The original's job is stored, and its answer held back until the repeat has been answered.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stored = answers.HoldAnswerToNext(nameof(IMongoCollection<JobDocument>.InsertOneAsync), release.Task, JobStore.Name);
        var sendingOriginal = PostAsync(client, user.Tokens.AccessToken, overTheCap, idempotencyKey: "over");
        await stored.WaitAsync(InsertBound, CancellationToken);
        using var repeat = await PostAsync(client, user.Tokens.AccessToken, overTheCap, idempotencyKey: "over");
        release.SetResult();
        using var original = await sendingOriginal;

        Assert.Equal(HttpStatusCode.TooManyRequests, original.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, repeat.StatusCode);
        Assert.Equal("application/problem+json", repeat.Content.Headers.ContentType?.MediaType);
        Assert.True(repeat.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal([waiting.Id], (await ListJobsAsync(client, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items.Select(job => job.Id));

        // After the withdrawal the key names no job: a repeat is a new submission, refused while the cap is full...
        using var refusedAgain = await PostAsync(client, user.Tokens.AccessToken, overTheCap, idempotencyKey: "over");
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedAgain.StatusCode);

        // ...and accepted once there is room, after which repeats answer with that job.
        using (var canceled = await SendAsync(client, HttpMethod.Post, $"/jobs/{waiting.Id}/cancel", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        var accepted = await AcceptedJobAsync(await PostAsync(client, user.Tokens.AccessToken, overTheCap, idempotencyKey: "over"));
        var replayed = await AcceptedJobAsync(await PostAsync(client, user.Tokens.AccessToken, overTheCap, idempotencyKey: "over"));
        Assert.Equal(accepted.Id, replayed.Id);
        Assert.Equal("pending", (await GetJobAsync(client, user.Tokens.AccessToken, accepted.Id)).Status);
    }

    [Fact]
    public async Task ARepeatAdmitsTheJobOfASubmissionWhoseVerdictNeverCame()
    {
        var settings = Settings(maxWaiting: 20);
        await using var api = await InProcessApi.StartAsync(fixture, settings);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        // Its submitter stopped between the insert and the cap's verdict two minutes ago.
        var orphan = await StoreAsync(user.Id, settings, "a submission whose API instance stopped", "orphan", awaitingAdmission: true, age: TimeSpan.FromMinutes(2));

        var replayed = await AcceptedJobAsync(await PostAsync(client, user.Tokens.AccessToken, Song(orphan.Prompt, 1), idempotencyKey: "orphan"));

        Assert.Equal(orphan.Id, replayed.Id);
        Assert.False((await FindJobAsync(await DatabaseAsync(fixture), orphan.Id))!.AwaitingAdmission);
    }

    /// <summary>
    /// The earlier job is withdrawn between the repeat's colliding insert and its own look at the job (here: while the
    /// repeat admits an orphan, the reconciler's withdrawal of it lands first). The key then names no job, so the repeat
    /// is a new submission with its own verdict, as one sent a moment later would be; it was told the waiting cap was full.
    /// </summary>
    [Fact]
    public async Task ARepeatWhoseEarlierJobIsWithdrawnUnderItIsANewSubmission()
    {
        var settings = Settings(maxWaiting: 20);
        var answers = new LostMongoAnswers();
        await using var api = await InProcessApi.StartAsync(fixture, settings, services => services
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var orphan = await StoreAsync(user.Id, settings, "a submission whose verdict never came", "vanishing", awaitingAdmission: true, age: TimeSpan.FromMinutes(2));

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var admitting = answers.HoldNext(nameof(IMongoCollection<JobDocument>.FindOneAndUpdateAsync), release.Task, JobStore.Name);
        var sendingRepeat = PostAsync(client, user.Tokens.AccessToken, Song(orphan.Prompt, 1), idempotencyKey: "vanishing");
        await admitting.WaitAsync(InsertBound, CancellationToken);
        Assert.True(await new JobStore(await DatabaseAsync(fixture), TimeProvider.System).WithdrawAsync(orphan, CancellationToken));
        release.SetResult();

        var accepted = await AcceptedJobAsync(await sendingRepeat);
        Assert.NotEqual(orphan.Id, accepted.Id);
        Assert.Equal(accepted.Id, (await AcceptedJobAsync(await PostAsync(client, user.Tokens.AccessToken, Song(orphan.Prompt, 1), idempotencyKey: "vanishing"))).Id);
    }

    [Fact]
    public async Task AVerdictThatComesAfterARepeatAdmittedItsJobLeavesTheJobStanding()
    {
        var settings = Settings(maxWaiting: 20);
        var store = new JobStore(await DatabaseAsync(fixture), TimeProvider.System);
        var late = await StoreAsync(ObjectId.GenerateNewId().ToString(), settings, "a verdict later than any bound", "late", awaitingAdmission: true, age: TimeSpan.FromMinutes(2));

        var admitted = await store.AdmitAsync(late.Id, CancellationToken);
        var withdrawn = await store.WithdrawAsync(late, CancellationToken);

        Assert.False(admitted!.AwaitingAdmission);
        Assert.False(withdrawn);
        Assert.NotNull(await FindJobAsync(store.Documents.Database, late.Id));
    }

    [Fact]
    public async Task AJobStoredWithoutTheAdmissionMarkIsReplayed()
    {
        var settings = Settings(maxWaiting: 20);
        await using var api = await InProcessApi.StartAsync(fixture, settings);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        // As every job was stored before the mark existed, and an admitted one is.
        var earlier = await StoreAsync(user.Id, settings, "a submission from before the mark", "earlier", awaitingAdmission: false, age: TimeSpan.Zero);

        var replayed = await AcceptedJobAsync(await PostAsync(client, user.Tokens.AccessToken, Song(earlier.Prompt, 1), idempotencyKey: "earlier"));

        Assert.Equal(earlier.Id, replayed.Id);
    }

    /// <summary>Stores a pending job submitted with <paramref name="idempotencyKey"/>, as an API instance's insert does.</summary>
    private async Task<JobDocument> StoreAsync(
        string userId, Dictionary<string, string?> settings, string prompt, string idempotencyKey, bool awaitingAdmission, TimeSpan age)
    {
        var database = await DatabaseAsync(fixture);
        var job = await StorePendingAsync(database, userId, settings["Harmonia:Jobs:Queue"]!, prompt, awaitingAdmission, age, idempotencyKey);
        var stored = await database.GetCollection<BsonDocument>(JobStore.Name)
            .Find(Builders<BsonDocument>.Filter.Eq("_id", ObjectId.Parse(job.Id))).SingleAsync(CancellationToken);
        Assert.Equal(awaitingAdmission, stored.Contains("awaitingAdmission"));
        return job;
    }

    private static async Task<Job> AcceptedJobAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<Job>(JsonSerializerOptions.Web, CancellationToken))!;
        }
    }

    private static Dictionary<string, string?> Settings(int maxWaiting) => new()
    {
        ["Harmonia:Jobs:Queue"] = NewQueue("repeat"),
        ["Harmonia:Jobs:MaxWaitingPerUser"] = maxWaiting.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
