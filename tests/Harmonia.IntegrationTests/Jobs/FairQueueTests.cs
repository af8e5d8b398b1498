using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// The queue is fair across users: a backlog holds at most the per-user running cap of worker slots, the rest are
/// served round-robin, and a user's waiting jobs are capped. Each test has an API (and a worker, if it needs one) of
/// its own on a queue of its own, against the AppHost's Redis and MongoDB.
/// </summary>
public sealed class FairQueueTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>What a busy machine may add to a start beyond the wait the guarantee allows.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task AUsersBacklogOfTwentyDelaysAnotherUsersJobByAtMostOneRunTime()
    {
        // Two slots, both taken by the backlog's owner (the running cap is 2), and one-second jobs: first in, first out
        // would start the other user's job after all twenty, ten seconds later.
        var queue = NewQueue("fair");
        await using var api = await InProcessApi.StartAsync(fixture, ApiSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:Concurrency"] = "2",
            ["Harmonia:Jobs:SynthStepDelay"] = "00:00:00.100",
        });
        using var client = api.CreateClient();
        var hog = await RegisterAndLoginAsync(client);
        var other = await RegisterAndLoginAsync(client);
        var backlog = new List<Job>();
        for (var i = 0; i < 20; i++)
        {
            backlog.Add(await SubmitSongAsync(client, hog.Tokens.AccessToken, $"backlog song {i}", durationSeconds: 10));
        }

        var database = await DatabaseAsync(fixture);
        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, backlog[1].Id) is { Status: JobStatus.Running },
            FinishBound,
            "the backlog holds both slots");

        var job = await SubmitSongAsync(client, other.Tokens.AccessToken, "served in turn", durationSeconds: 10);
        Assert.Equal("completed", (await WatchToEndAsync(client, other.Tokens.AccessToken, job.Id))[^1].Job.Status);

        var stored = (await FindJobAsync(database, job.Id))!;
        var firstOfBacklog = (await FindJobAsync(database, backlog[0].Id))!;
        var runTime = firstOfBacklog.CompletedAt!.Value - firstOfBacklog.StartedAt!.Value;
        var waited = stored.StartedAt!.Value - stored.CreatedAt;
        Assert.True(waited <= runTime + Margin, $"the job waited {waited} behind the backlog; one run time is {runTime}");
    }

    [Fact]
    public async Task SubmissionsBeyondTheWaitingCapAreRefusedNamingTheCapAndWhenToRetry()
    {
        var queue = NewQueue("fair");
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>(ApiSettings(queue))
        {
            ["Harmonia:Jobs:MaxWaitingPerUser"] = "2",
        });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var other = await RegisterAndLoginAsync(client);
        await SubmitSongAsync(client, user.Tokens.AccessToken, "first", durationSeconds: 1);
        using (var second = await PostAsync(client, user.Tokens.AccessToken, Song("second", 1), idempotencyKey: "second"))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        using var refused = await PostAsync(client, user.Tokens.AccessToken, Song("third", 1));
        using var replayed = await PostAsync(client, user.Tokens.AccessToken, Song("second", 1), idempotencyKey: "second");
        using var othersJob = await PostAsync(client, other.Tokens.AccessToken, Song("someone else's", 1));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
        Assert.Equal("waiting", problem.GetProperty("cap").GetString());
        Assert.Equal(2, problem.GetProperty("limit").GetInt32());
        Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, othersJob.StatusCode);
        Assert.Equal(2, (await ListJobsAsync(client, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items.Count);
    }

    [Fact]
    public async Task AWaitingJobShowsItsPlaceInTheRoundRobinAndAnEstimatedStart()
    {
        // No worker: everything waits. Ann's three jobs and Bob's one are served Ann, Bob, Ann, Ann.
        var queue = NewQueue("fair");
        await using var api = await InProcessApi.StartAsync(fixture, ApiSettings(queue));
        using var client = api.CreateClient();
        var ann = await RegisterAndLoginAsync(client);
        var bob = await RegisterAndLoginAsync(client);
        var annsJobs = new List<Job>();
        for (var i = 0; i < 3; i++)
        {
            annsJobs.Add(await SubmitSongAsync(client, ann.Tokens.AccessToken, $"ann's song {i}", durationSeconds: 1));
        }

        var bobsJob = await SubmitSongAsync(client, bob.Tokens.AccessToken, "bob's song", durationSeconds: 1);
        Assert.Null((await GetJobAsync(client, bob.Tokens.AccessToken, bobsJob.Id)).Queue!.EstimatedStartAt);

        await api.Services.GetRequiredService<JobQueuePlaces>().RecordRunTimeAsync(TimeSpan.FromSeconds(10));
        var bobs = (await GetJobAsync(client, bob.Tokens.AccessToken, bobsJob.Id)).Queue!;
        var annsLast = (await GetJobAsync(client, ann.Tokens.AccessToken, annsJobs[2].Id)).Queue!;

        Assert.Equal(2, bobs.Position);
        Assert.Equal(4, annsLast.Position);
        // Nothing runs, so one slot is assumed: Bob's job starts after two run times, Ann's last after four.
        Assert.InRange(bobs.EstimatedStartAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.InRange(annsLast.EstimatedStartAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(35), TimeSpan.FromSeconds(40));
    }

    private static Dictionary<string, string?> QueueSettings(string queue) => new() { ["Harmonia:Jobs:Queue"] = queue };

    private static Dictionary<string, string?> ApiSettings(string queue) => new(QueueSettings(queue))
    {
        ["Harmonia:RateLimiting:Endpoints:jobs-create:Limit"] = "1000",
    };
}
