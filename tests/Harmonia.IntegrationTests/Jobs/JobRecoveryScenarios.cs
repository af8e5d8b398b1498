using Aspire.Hosting;
using Harmonia.Jobs;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// The job recovery scenarios, run against the shared AppHost (single Redis) and the cluster AppHost alike: what
/// differs between them is only how Redis is flushed and where MongoDB is.
/// </summary>
internal static class JobRecoveryScenarios
{
    /// <summary>How many jobs <see cref="KillWorkerMidJobAsync"/> tries before it gives up on killing one mid-job.</summary>
    private const int MaximumKills = 3;

    /// <summary>
    /// How soon after Redis loses the queue every waiting job is taken up again: the worker notices at its next look
    /// (at the latest when one of its slots frees), not at a sweep (30 s in the test AppHost).
    /// </summary>
    private static readonly TimeSpan FlushRecoveryBound = TimeSpan.FromSeconds(5);

    /// <summary>A worker killed mid-job: after its restart the job completes on its second attempt, with one song and one library item.</summary>
    public static async Task KilledWorkerJobCompletesExactlyOnceAsync(DistributedApplication app, HttpClient api, IMongoDatabase database, string prompt)
    {
        var user = await RegisterAndLoginAsync(api);
        var job = await KillWorkerMidJobAsync(app, api, database, user.Tokens.AccessToken, prompt);

        var final = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job;
        Assert.Equal("completed", final.Status);
        Assert.Equal(2, final.Attempts);
        Assert.Equal(1, await CountByJobAsync(database, "songs", job.Id));
        Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
    }

    /// <summary>
    /// Submits a job, kills its worker once the job reports progress and restarts the worker. A job synthesizes for
    /// only 3 s in the test AppHosts, and on a busy machine the progress was once seen so late that the job had
    /// finished before the kill (which then tests nothing), so that case starts over with a new job.
    /// </summary>
    private static async Task<Job> KillWorkerMidJobAsync(DistributedApplication app, HttpClient api, IMongoDatabase database, string accessToken, string prompt)
    {
        for (var tries = 1; ; tries++)
        {
            var job = await SubmitSongAsync(api, accessToken, prompt, durationSeconds: 30);
            await foreach (var item in WatchAsync(api, accessToken, job.Id, TestContext.Current.CancellationToken))
            {
                if (item.Job is { Status: "running", Progress: > 0 })
                {
                    break;
                }
            }

            await WorkerProcess.KillAsync(app);
            var killedMidJob = (await FindJobAsync(database, job.Id))?.Status == JobStatus.Running;
            await WorkerProcess.StartAsync(app);
            if (killedMidJob)
            {
                return job;
            }

            Assert.True(tries < MaximumKills, $"The worker was killed after its job had finished, {tries} times in a row.");
        }
    }

    /// <summary>
    /// Redis flushed while some jobs run and others wait: every waiting job is taken up again within the bound, and
    /// every job completes, each exactly once. Completion is not held to the bound: it adds the generation of two
    /// rounds of jobs, which is CPU the test machine shares with everything else, not recovery.
    /// </summary>
    public static async Task FlushedQueueTakesUpAndCompletesEveryJobAsync(HttpClient api, IMongoDatabase database, Func<Task> flushRedis, string prompt)
    {
        var user = await RegisterAndLoginAsync(api);
        var jobs = new List<Job>();
        for (var i = 0; i < TestAppHost.WorkerConcurrency + 2; i++)
        {
            jobs.Add(await SubmitSongAsync(api, user.Tokens.AccessToken, $"{prompt} {i}", durationSeconds: 10));
        }

        async Task<List<string>> StatusesAsync() =>
            [.. (await ListJobsAsync(api, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items.Select(job => job.Status)];

        await Eventually.HoldsAsync(
            async () => await StatusesAsync() is var statuses && statuses.Contains("running") && statuses.Contains("pending"),
            FinishBound,
            "some jobs running while others wait");

        await flushRedis();

        await Eventually.HoldsAsync(async () => !(await StatusesAsync()).Contains("pending"), FlushRecoveryBound, "every waiting job taken up again");
        await Eventually.HoldsAsync(async () => (await StatusesAsync()).All(status => status == "completed"), FinishBound, "every job completed");
        foreach (var job in jobs)
        {
            Assert.Equal(1, await CountByJobAsync(database, "songs", job.Id));
            Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
        }
    }
}
