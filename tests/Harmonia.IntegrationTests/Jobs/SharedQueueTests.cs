using Harmonia.Bench.Worker;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs.Generation;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Several workers on one queue, as the worker's scale rules run them in Azure (docs/jobs.md, "Scaling workers"):
/// the per-user running cap holds across workers, and a worker stopped by a scale-in hands its job to another.
/// </summary>
public sealed class SharedQueueTests(AppHostFixture fixture)
{
    [Fact]
    public async Task OneUsersRunningCapHoldsAcrossWorkers()
    {
        var queue = QueueSettings();
        // Eight slots over two workers, for one user whose cap is two.
        var workerSettings = new Dictionary<string, string?>(queue) { ["Harmonia:Jobs:Concurrency"] = "4" };
        var generator = new ConcurrencyGauge();
        await using var api = await InProcessApi.StartAsync(fixture, queue);
        await using var first = await InProcessWorker.StartAsync(fixture, workerSettings, generator);
        await using var second = await InProcessWorker.StartAsync(fixture, workerSettings, generator);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var jobs = new List<Job>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await SubmitSongAsync(client, user.Tokens.AccessToken, $"capped song {i}", durationSeconds: 1));
        }

        foreach (var job in jobs)
        {
            Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);
        }

        Assert.Equal(new JobQueueOptions().MaxRunningPerUser, generator.Highest);
    }

    [Fact]
    public async Task AWorkerStoppedMidJobHandsItBackAndAnotherCompletesItWithoutCountingTheAttempt()
    {
        var queue = QueueSettings();
        await using var api = await InProcessApi.StartAsync(fixture, queue);
        await using var stopping = await InProcessWorker.StartAsync(fixture, queue, new RunsUntilStopped());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "handed back on scale-in", durationSeconds: 1);
        await foreach (var update in WatchAsync(client, user.Tokens.AccessToken, job.Id, TestContext.Current.CancellationToken))
        {
            if (update.Job is { Status: "running", Progress: > 0 })
            {
                break;
            }
        }

        await using var remaining = await InProcessWorker.StartAsync(fixture, queue, new NoOpSongGenerator());
        using var remainingMetrics = new JobMeterRecorder(remaining.Services);
        await stopping.DisposeAsync();
        var final = (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job;

        Assert.Equal("completed", final.Status);
        Assert.Equal(1, final.Attempts);
        // The worker counts a completion after publishing it, so the client can see it first.
        await Eventually.HoldsAsync(
            () => Task.FromResult(remainingMetrics.Sum("harmonia.jobs.completed") == 1), TimeSpan.FromSeconds(10), "the remaining worker counts the completion");
        Assert.Equal(1, await CountByJobAsync(await DatabaseAsync(fixture), "songs", job.Id));
        Assert.Equal(1, await CountByJobAsync(await DatabaseAsync(fixture), "library", job.Id));
    }

    private static Dictionary<string, string?> QueueSettings() => new() { ["Harmonia:Jobs:Queue"] = NewQueue("shared") };

    /// <summary>Counts the jobs it runs at once, whichever worker runs them; each takes a moment so they overlap.</summary>
    private sealed class ConcurrencyGauge : ISongGenerator
    {
        private int _running;
        private int _highest;

        public int Highest => Volatile.Read(ref _highest);

        public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
        {
            var running = Interlocked.Increment(ref _running);
            int highest;
            while (running > (highest = Volatile.Read(ref _highest)) && Interlocked.CompareExchange(ref _highest, running, highest) != highest)
            {
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
                return await new NoOpSongGenerator().GenerateAsync(request, progress, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>Reports some progress, then runs until its worker stops.</summary>
    private sealed class RunsUntilStopped : ISongGenerator
    {
        public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
        {
            await progress.ReportAsync(10, cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("Unreachable: the delay ends only by cancellation.");
        }
    }
}
