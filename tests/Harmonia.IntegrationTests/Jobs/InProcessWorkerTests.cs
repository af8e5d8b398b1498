using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Harmonia.Bench.Worker;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Jobs run by a worker hosted in the test process, configured for the test: the AppHost's worker cannot be
/// reconfigured per test, so each test gets an API and a worker of its own on a queue of its own, against the
/// AppHost's Redis and MongoDB.
/// </summary>
public sealed class InProcessWorkerTests(AppHostFixture fixture)
{
    [Fact]
    public async Task FailingJobIsRetriedUpToTheLimitThenFailsWithAStableErrorAndItsTraceId()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:MaxAttempts"] = "3",
            ["Harmonia:Jobs:RetryBaseDelay"] = "00:00:00.050",
            ["Harmonia:Jobs:RetryMaxDelay"] = "00:00:00.200",
        }, new FailingSongGenerator());
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "doomed to fail", durationSeconds: 1);
        var events = await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id);

        var final = events[^1].Job;
        Assert.Equal("failed", final.Status);
        Assert.Equal(3, final.Attempts);
        // The owner sees a stable sentence and the trace to quote, never what the exception said.
        Assert.Equal(await StableErrorAsync(job.Id), final.Error);
        Assert.All(events, e => Assert.DoesNotContain(FailingSongGenerator.FailureMessage, e.Job.Error ?? "", StringComparison.Ordinal));
        // Between attempts the job waits, pending, with the last attempt's error.
        Assert.Contains(events, e => e.Job is { Status: "pending", Attempts: 1, Error: not null });
        Assert.Contains(events, e => e.Job is { Status: "pending", Attempts: 2, Error: not null });
        Assert.Equal(0, await CountByJobAsync(await DatabaseAsync(fixture), "songs", job.Id));
        // The worker counts an ending after publishing it, so the client can see it first.
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Sum("harmonia.jobs.failed") == 1), TimeSpan.FromSeconds(10), "the worker counts the failure");
        Assert.Equal(3, metrics.Sum("harmonia.jobs.started"));
        Assert.Equal(2, metrics.Sum("harmonia.jobs.retried"));
        Assert.Equal(1, metrics.Sum("harmonia.jobs.failed"));
        Assert.Equal(0, metrics.Sum("harmonia.jobs.completed"));
    }

    /// <summary>
    /// A generator calling a model over HTTP fails so when the model does not answer in time: HttpClient reports its own
    /// timeout as a <see cref="TaskCanceledException"/>, though nobody canceled the job.
    /// </summary>
    [Fact]
    public async Task AGeneratorTimingOutIsAFailureRetriedLikeAnyOtherNotACancellation()
    {
        const string TimedOut = "The model did not answer in time.";
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:MaxAttempts"] = "2",
            ["Harmonia:Jobs:RetryBaseDelay"] = "00:00:00.050",
            ["Harmonia:Jobs:RetryMaxDelay"] = "00:00:00.200",
            // Short, so a worker that takes the timeout for an interruption shows it within the test's bound.
            ["Harmonia:Jobs:LeaseDuration"] = "00:00:03",
        }, new FailingSongGenerator(() => new TaskCanceledException(TimedOut, new TimeoutException())));
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "the model never answers", durationSeconds: 1);
        var events = await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id);

        // Its own timeout is not the job's cancellation, the worker's shutdown or a lost lease: the attempt failed,
        // so the job waits out a backoff and then fails with the stable sentence, not after a lease duration per
        // attempt with "Gave up after ... interrupted".
        var final = events[^1].Job;
        Assert.Equal("failed", final.Status);
        Assert.Equal(2, final.Attempts);
        Assert.Equal(await StableErrorAsync(job.Id), final.Error);
        Assert.All(events, e => Assert.DoesNotContain("Gave up", e.Job.Error ?? "", StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(TimedOut, e.Job.Error ?? "", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Job is { Status: "pending", Attempts: 1, Error: not null });
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Sum("harmonia.jobs.failed") == 1), TimeSpan.FromSeconds(10), "the worker counts the failure");
        Assert.Equal(2, metrics.Sum("harmonia.jobs.started"));
        Assert.Equal(1, metrics.Sum("harmonia.jobs.retried"));
        Assert.Equal(0, metrics.Sum("harmonia.jobs.canceled"));
    }

    [Fact]
    public async Task AnEarlyNoticeForAJobWaitingOutItsBackoffDoesNotStartItBeforeItIsDue()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:MaxAttempts"] = "2",
            ["Harmonia:Jobs:RetryBaseDelay"] = "00:00:02",
            ["Harmonia:Jobs:RetryMaxDelay"] = "00:00:02",
        }, new FailingSongGenerator());
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "retried on time", durationSeconds: 1);
        var database = await DatabaseAsync(fixture);
        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, job.Id) is { Status: JobStatus.Pending, Attempts: 1 },
            FinishBound,
            "the first attempt failed and the job waits for its retry");
        var due = (await FindJobAsync(database, job.Id))!.NextAttemptAt!.Value;

        // What a recovery sweep sends for a job it takes for lost: a notice on the stream, long before the retry is due.
        await api.Services.GetRequiredService<JobDispatcher>().DispatchAsync((await FindJobAsync(database, job.Id))!, DispatchReason.Recovered);

        var final = (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job;
        Assert.Equal("failed", final.Status);
        Assert.Equal(2, final.Attempts);
        Assert.True((await FindJobAsync(database, job.Id))!.StartedAt >= due, "the second attempt started before its retry was due");
        Assert.Equal(2, metrics.Sum("harmonia.jobs.started"));
    }

    [Fact]
    public async Task ANoticeForASettledJobIsDroppedWithoutRunningItAgain()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, QueueSettings(queue), new NoOpSongGenerator());
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "done once", durationSeconds: 1);
        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);

        await api.Services.GetRequiredService<JobDispatcher>().DispatchAsync((await FindJobAsync(await DatabaseAsync(fixture), job.Id))!, DispatchReason.Recovered);
        var stream = worker.Services.GetRequiredService<JobStreamConsumer>();
        await Eventually.HoldsAsync(
            async () => await stream.MeasureAsync() is { Waiting: 0, InProgress: 0 },
            FinishBound,
            "the worker settled the duplicate notice");

        var again = await GetJobAsync(client, user.Tokens.AccessToken, job.Id);
        Assert.Equal("completed", again.Status);
        Assert.Equal(1, again.Attempts);
        Assert.Equal(1, metrics.Sum("harmonia.jobs.started"));
        Assert.Equal(1, await CountByJobAsync(await DatabaseAsync(fixture), "songs", job.Id));
    }

    [Fact]
    public async Task WorkersSharingAQueueRunEachJobOnce()
    {
        var queue = NewQueue("test");
        // One job at a time each, and a second per job, so while one worker is busy the other must take the next.
        var workerSettings = new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:Concurrency"] = "1",
            ["Harmonia:Jobs:SynthStepDelay"] = "00:00:00.100",
        };
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var first = await InProcessWorker.StartAsync(fixture, workerSettings);
        await using var second = await InProcessWorker.StartAsync(fixture, workerSettings);
        using var firstMetrics = new JobMeterRecorder(first.Services);
        using var secondMetrics = new JobMeterRecorder(second.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var jobs = new List<Job>();
        for (var i = 0; i < 4; i++)
        {
            jobs.Add(await SubmitSongAsync(client, user.Tokens.AccessToken, $"shared song {i}", durationSeconds: 10));
        }

        var database = await DatabaseAsync(fixture);
        foreach (var job in jobs)
        {
            var final = (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job;
            Assert.Equal("completed", final.Status);
            Assert.Equal(1, final.Attempts);
            Assert.Equal(1, await CountByJobAsync(database, "library", job.Id));
        }

        // The workers count a completion after publishing it, so the client can see the last one first.
        await Eventually.HoldsAsync(
            () => Task.FromResult(firstMetrics.Sum("harmonia.jobs.completed") + secondMetrics.Sum("harmonia.jobs.completed") == 4),
            TimeSpan.FromSeconds(10),
            "the workers count all four completions");
        Assert.True(firstMetrics.Sum("harmonia.jobs.completed") > 0, "the first worker ran none of the jobs");
        Assert.True(secondMetrics.Sum("harmonia.jobs.completed") > 0, "the second worker ran none of the jobs");
    }

    /// <summary>
    /// Only Harmonia's scripts write the queue's entries, but one garbled by hand stopped the worker (a time out of range
    /// threw while the batch was read) or came back after every lease (a job id that is no ObjectId threw in the claim's
    /// query). Both are settled as entries naming no job, and the queue runs on.
    /// </summary>
    [Fact]
    public async Task GarbledQueueEntriesAreSettledAndTheQueueRunsOn()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, QueueSettings(queue), new NoOpSongGenerator());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var redis = fixture.Redis.GetDatabase();
        await redis.StreamAddAsync(JobKeys.Stream(queue), [new("job", ObjectId.GenerateNewId().ToString()), new("enqueuedAt", "99999999999999999")]);
        await redis.StreamAddAsync(JobKeys.Stream(queue), [new("job", "not-an-id"), new("enqueuedAt", "0")]);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "after the garbled ones", durationSeconds: 1);

        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);
        await Eventually.HoldsAsync(
            async () => (await redis.StreamPendingAsync(JobKeys.Stream(queue), JobKeys.ConsumerGroup)).PendingMessageCount == 0,
            FinishBound,
            "every entry read is settled");
    }

    [Fact]
    public async Task WorkersSpanJoinsTheTraceOfTheRequestThatSubmittedTheJob()
    {
        var queue = NewQueue("test");
        using var recorder = new SpanRecorder(JobTelemetry.Name);
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, QueueSettings(queue), new NoOpSongGenerator());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "traced end to end", durationSeconds: 1);
        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);

        // The worker's span ends just after it publishes the final state.
        await Eventually.HoldsAsync(
            () => Task.FromResult(recorder.Spans.Any(span => span.Kind == ActivityKind.Consumer && (string?)span.GetTagItem("harmonia.job.id") == job.Id)),
            FinishBound,
            "the worker's span ended");
        var ofJob = recorder.Spans.Where(span => (string?)span.GetTagItem("harmonia.job.id") == job.Id).ToList();
        var submit = Assert.Single(ofJob, span => span.Kind == ActivityKind.Producer);
        var process = Assert.Single(ofJob, span => span.Kind == ActivityKind.Consumer);
        Assert.Equal(submit.TraceId, process.TraceId);
        Assert.Equal(submit.SpanId, process.ParentSpanId);
    }

    [Fact]
    public async Task ACancelOnlyMongoDbRecordedEndsTheRunningJobCanceledWithoutASong()
    {
        var queue = NewQueue("test");
        var generator = new HeldAfterFirstStep();
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, QueueSettings(queue), generator);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var database = await DatabaseAsync(fixture);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "canceled while Redis forgot it", durationSeconds: 1);
        await generator.Started.Task.WaitAsync(FinishBound, TestContext.Current.CancellationToken);

        // What the API records when its notice to the worker fails: the flag in MongoDB, no flag key and no message in Redis.
        Assert.NotNull(await new JobStore(database, TimeProvider.System).RequestCancelAsync(job.Id, user.Id, TestContext.Current.CancellationToken));
        generator.Finish.SetResult();
        var final = (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job;

        Assert.Equal("canceled", final.Status);
        Assert.Null(final.Result);
        Assert.Equal(JobStatus.Canceled, (await FindJobAsync(database, job.Id))!.Status);
        Assert.Equal(0, await CountByJobAsync(database, "songs", job.Id));
        Assert.Equal(0, await CountByJobAsync(database, "library", job.Id));
        Assert.Equal(0, await database.GetCollection<BsonDocument>("audio.files").CountDocumentsAsync(
            Builders<BsonDocument>.Filter.Eq("filename", $"{job.Id}.wav"), cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// The owner cancels while an attempt runs, the notice through Redis is lost, and the attempt then fails: on the last
    /// attempt the job must not end failed, and on an earlier one it must not wait for a retry; it ends canceled.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AnAttemptFailingAfterACancelOnlyMongoDbRecordedEndsTheJobCanceledNotFailedOrRetried(int maxAttempts)
    {
        var queue = NewQueue("test");
        var generator = new HeldAfterFirstStep(() => new InvalidOperationException(FailingSongGenerator.FailureMessage));
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:MaxAttempts"] = maxAttempts.ToString(CultureInfo.InvariantCulture),
            ["Harmonia:Jobs:RetryBaseDelay"] = "00:00:00.050",
            ["Harmonia:Jobs:RetryMaxDelay"] = "00:00:00.200",
        }, generator);
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var database = await DatabaseAsync(fixture);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "canceled, then failing", durationSeconds: 1);
        await generator.Started.Task.WaitAsync(FinishBound, TestContext.Current.CancellationToken);

        // What the API records when its notice to the worker fails: the flag in MongoDB, no flag key and no message in Redis.
        Assert.NotNull(await new JobStore(database, TimeProvider.System).RequestCancelAsync(job.Id, user.Id, TestContext.Current.CancellationToken));
        generator.Finish.SetResult();
        var events = await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id);

        var final = events[^1].Job;
        Assert.Equal("canceled", final.Status);
        Assert.Equal(1, final.Attempts);
        // Neither failed nor waiting for a retry on the way.
        Assert.DoesNotContain(events, e => e.Job is { Status: "failed" } or { Status: "pending", Attempts: > 0 });
        Assert.Equal(JobStatus.Canceled, (await FindJobAsync(database, job.Id))!.Status);
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Sum("harmonia.jobs.canceled") == 1), TimeSpan.FromSeconds(10), "the worker counts the cancel");
        Assert.Equal(1, metrics.Sum("harmonia.jobs.started"));
        Assert.Equal(0, metrics.Sum("harmonia.jobs.retried"));
        Assert.Equal(0, metrics.Sum("harmonia.jobs.failed"));
        // The attempt's run time is counted as the cancel it ended in, as the counters are (recorded once it is settled).
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.AttemptOutcomes.Count > 0), TimeSpan.FromSeconds(10), "the worker times the attempt");
        Assert.Equal(["canceled"], metrics.AttemptOutcomes);
    }

    [Fact]
    public async Task ACancelWhileAJobWaitsOutItsBackoffEndsItCanceledAtOnceAndItsRetryNeverRuns()
    {
        var queue = NewQueue("test");
        await using var api = await InProcessApi.StartAsync(fixture, QueueSettings(queue));
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(QueueSettings(queue))
        {
            ["Harmonia:Jobs:MaxAttempts"] = "2",
            // Long enough for the test to cancel before the retry is due, however slow the machine.
            ["Harmonia:Jobs:RetryBaseDelay"] = "00:00:05",
            ["Harmonia:Jobs:RetryMaxDelay"] = "00:00:05",
        }, new FailingSongGenerator());
        using var metrics = new JobMeterRecorder(worker.Services);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var database = await DatabaseAsync(fixture);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "canceled between attempts", durationSeconds: 1);
        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, job.Id) is { Status: JobStatus.Pending, Attempts: 1, NextAttemptAt: not null },
            FinishBound,
            "the first attempt failed and the job waits for its retry");

        using var cancel = await SendAsync(client, HttpMethod.Post, $"/jobs/{job.Id}/cancel", user.Tokens.AccessToken);

        // Canceled there and then, not when the backoff is over.
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("canceled", (await cancel.Content.ReadFromJsonAsync<Job>(TestContext.Current.CancellationToken))!.Status);
        // The retry, once due, reaches a worker and is dropped: the job stays canceled after its one attempt.
        var stream = worker.Services.GetRequiredService<JobStreamConsumer>();
        await Eventually.HoldsAsync(
            async () => await stream.MeasureAsync() is { Waiting: 0, InProgress: 0, Delayed: 0 },
            FinishBound,
            "the due retry was promoted and dropped");
        var final = await GetJobAsync(client, user.Tokens.AccessToken, job.Id);
        Assert.Equal("canceled", final.Status);
        Assert.Equal(1, final.Attempts);
        Assert.Equal(1, metrics.Sum("harmonia.jobs.started"));
        Assert.Equal(0, metrics.Sum("harmonia.jobs.failed"));
    }

    /// <summary>The one sentence a failed job's owner sees, with the trace to quote, never what the exception said.</summary>
    private async Task<string> StableErrorAsync(string jobId)
    {
        var traceId = ActivityContext.Parse((await FindJobAsync(await DatabaseAsync(fixture), jobId))!.TraceParent!, null).TraceId.ToHexString();
        return $"The song could not be generated. Trace id: {traceId}.";
    }

    private static Dictionary<string, string?> QueueSettings(string queue) => new() { ["Harmonia:Jobs:Queue"] = queue };

    /// <summary>
    /// Reports its first step, then waits for the test before it returns a song, or throws what <paramref name="failure"/>
    /// makes when given; its token it honours as any generator must.
    /// </summary>
    private sealed class HeldAfterFirstStep(Func<Exception>? failure = null) : ISongGenerator
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
        {
            await progress.ReportAsync(10, cancellationToken);
            Started.TrySetResult();
            await Finish.Task.WaitAsync(cancellationToken);
            if (failure is not null)
            {
                throw failure();
            }

            return await new NoOpSongGenerator().GenerateAsync(request, progress, cancellationToken);
        }
    }
}
