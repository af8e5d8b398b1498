using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Crashes and data loss: a worker killed mid-job, a flushed Redis. These disturb every job in flight, so they
/// run one at a time after the parallel tests.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed class JobRecoveryTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobOfAKilledWorkerCompletesAfterRestartWithExactlyOneSongAndLibraryItem()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "survives a crash", durationSeconds: 30);
        await foreach (var item in WatchAsync(api, user.Tokens.AccessToken, job.Id, CancellationToken))
        {
            if (item.Job is { Status: "running", Progress: > 0 })
            {
                break;
            }
        }

        await WorkerProcess.KillAsync(fixture.App);
        await WorkerProcess.StartAsync(fixture.App);

        var final = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job;
        Assert.Equal("completed", final.Status);
        Assert.Equal(2, final.Attempts);
        var database = await DatabaseAsync(fixture);
        Assert.Equal(1, await CountByJobAsync(database, "songs", job.Id));
        Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
    }

    /// <summary>How soon after Redis loses the queue every queued job has run: the worker notices at once, not at a sweep.</summary>
    private static readonly TimeSpan FlushRecoveryBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task FlushingRedisWithJobsQueuedCompletesThemAllWithinFiveSeconds()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var jobs = new List<Job>();
        for (var i = 0; i < AppHostFixture.WorkerConcurrency + 2; i++)
        {
            jobs.Add(await SubmitSongAsync(api, user.Tokens.AccessToken, $"flushed song {i}", durationSeconds: 10));
        }

        await Eventually.HoldsAsync(
            async () =>
            {
                var statuses = (await ListJobsAsync(api, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items.Select(j => j.Status).ToList();
                return statuses.Contains("running") && statuses.Contains("pending");
            },
            FinishBound,
            "some jobs running while others wait");

        await FlushRedisAsync();

        await Eventually.HoldsAsync(
            async () => (await ListJobsAsync(api, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items.All(j => j.Status == "completed"),
            FlushRecoveryBound,
            "every job completed");
        var database = await DatabaseAsync(fixture);
        foreach (var job in jobs)
        {
            Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
        }
    }

    private async Task FlushRedisAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{await fixture.ConnectionStringAsync("redis")},allowAdmin=true");
        foreach (var server in redis.GetServers())
        {
            await server.FlushAllDatabasesAsync();
        }
    }
}
