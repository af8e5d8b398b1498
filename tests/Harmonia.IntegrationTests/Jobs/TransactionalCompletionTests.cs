using System.Collections.Concurrent;
using System.Diagnostics;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Where MongoDB runs transactions, the worker stores a job's song and library item and completes the job in one:
/// an API and a worker of the test's own against a jongodb replica set of the test's own, and the AppHost's Redis.
/// </summary>
public sealed class TransactionalCompletionTests(AppHostFixture fixture)
{
    [Fact]
    public async Task OnAReplicaSetTheSongTheLibraryItemAndTheCompletionAreCommittedTogether()
    {
        await using var mongo = await OwnMongo.StartReplicaSetAsync(fixture);
        var settings = Settings(mongo);
        await using var api = await InProcessApi.StartAsync(fixture, settings);
        await using var worker = await InProcessWorker.StartAsync(fixture, settings);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "a song in one transaction", durationSeconds: 1);
        var final = (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job;

        var database = Database(mongo);
        Assert.True(await worker.Services.GetRequiredService<MongoTransactionSupport>().IsAvailableAsync(TestContext.Current.CancellationToken));
        Assert.Equal("completed", final.Status);
        Assert.Equal((await FindByJobAsync(database, "songs", job.Id))!["_id"].AsObjectId.ToString(), final.Result!.SongId);
        Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
    }

    [Fact]
    public async Task OnAReplicaSetAnAttemptThatLostItsJobLeavesNoSongLibraryItemOrAudioBehind()
    {
        await using var mongo = await OwnMongo.StartReplicaSetAsync(fixture);
        var settings = Settings(mongo);
        await using var api = await InProcessApi.StartAsync(fixture, settings);
        await using var worker = await InProcessWorker.StartAsync(fixture, settings, new TakenOverWhileGenerating(Database(mongo)));
        using var attemptEnded = new AttemptEndListener();
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "a song whose job is taken over", durationSeconds: 1);
        await attemptEnded.WaitAsync(job.Id);
        // Stopped before its lease runs out, so no later attempt takes the job over and stores a song.
        await worker.DisposeAsync();

        var database = Database(mongo);
        Assert.Equal((JobStatus.Running, TakenOverWhileGenerating.NewerOwner), await StatusAndOwnerAsync(database, job.Id));
        Assert.Equal(0, await CountByJobAsync(database, "songs", job.Id));
        Assert.Equal(0, await CountByJobAsync(database, "library", job.Id));
        Assert.Equal(0, await database.GetCollection<BsonDocument>("audio.files").CountDocumentsAsync(
            Builders<BsonDocument>.Filter.Eq("filename", $"{job.Id}.wav"), cancellationToken: TestContext.Current.CancellationToken));
    }

    private static Dictionary<string, string?> Settings(OwnMongo mongo) => new()
    {
        ["ConnectionStrings:harmonia"] = mongo.ConnectionString,
        ["Harmonia:Jobs:Queue"] = NewQueue("tx"),
    };

    private static IMongoDatabase Database(OwnMongo mongo)
    {
        var url = MongoUrl.Create(mongo.ConnectionString);
        return new MongoClient(url).GetDatabase(url.DatabaseName);
    }

    private static async Task<(JobStatus, string?)> StatusAndOwnerAsync(IMongoDatabase database, string jobId)
    {
        var job = (await FindJobAsync(database, jobId))!;
        return (job.Status, job.LeaseOwner);
    }

    /// <summary>
    /// Generates a second of silence, but first hands the job to another owner in MongoDB, as a worker that took it
    /// over after this one's lease ran out would have (this worker's Redis lease is untouched, so it carries on).
    /// </summary>
    private sealed class TakenOverWhileGenerating(IMongoDatabase database) : ISongGenerator
    {
        public const string NewerOwner = "a-newer-owner";

        public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
        {
            await new JobStore(database, TimeProvider.System).Documents.UpdateOneAsync(
                Builders<JobDocument>.Filter.Eq(job => job.Prompt, request.Prompt),
                Builders<JobDocument>.Update.Set(job => job.LeaseOwner, NewerOwner),
                cancellationToken: cancellationToken);
            await progress.ReportAsync(100, cancellationToken);
            return new byte[44_100 * 2];
        }
    }

    /// <summary>Hears the end of a job's attempt: its worker span stops once the attempt is settled, won or lost.</summary>
    private sealed class AttemptEndListener : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _ended = new();

        public AttemptEndListener()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == JobTelemetry.Name,
                Sample = (ref _) => ActivitySamplingResult.AllData,
                ActivityStopped = activity =>
                {
                    if (activity.OperationName == "process job" && activity.GetTagItem("harmonia.job.id") is string jobId)
                    {
                        Ended(jobId).TrySetResult();
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Task WaitAsync(string jobId) => Ended(jobId).Task.WaitAsync(FinishBound, TestContext.Current.CancellationToken);

        public void Dispose() => _listener.Dispose();

        private TaskCompletionSource Ended(string jobId) => _ended.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
