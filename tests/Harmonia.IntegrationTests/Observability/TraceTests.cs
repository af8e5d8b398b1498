using System.Diagnostics;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Observability;

/// <summary>
/// One trace follows a job from the request that submits it, through its Redis and MongoDB calls and the
/// queue, to the worker that runs it and the MongoDB writes that store its song.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class TraceTests(AppHostFixture fixture)
{
    private static readonly TimeSpan SpansExported = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SubmittingAJobIsOneTraceFromRequestToWorker()
    {
        using var recorder = new SpanRecorder();
        var queue = new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = NewQueue("trace") };
        await using var api = await InProcessApi.StartAsync(fixture, queue);
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(queue) { ["Harmonia:Jobs:Generator"] = "NoOp" });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "one trace", durationSeconds: 1);
        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);

        var submit = recorder.Spans.Single(span => span.Kind == ActivityKind.Server
            && (string?)span.GetTagItem("http.request.method") == "POST" && (string?)span.GetTagItem("url.path") == "/jobs");
        List<Activity> Trace() => [.. recorder.Spans.Where(span => span.TraceId == submit.TraceId)];
        // Redis command spans are reported when the client's profiling session is drained, shortly after the request.
        await Eventually.HoldsAsync(
            () => Task.FromResult(Trace().Any(IsRedisCommand) && Trace().Any(span => span.Kind == ActivityKind.Consumer)),
            SpansExported,
            "the Redis commands and the worker's processing are part of the submitting request's trace");
        var trace = Trace();
        Assert.Contains(trace, span => IsMongoCommand(span, "jobs", "insert"));
        var processing = Assert.Single(trace, span => span.Kind == ActivityKind.Consumer);
        Assert.Contains(trace, span => IsMongoCommand(span, "library", "insert") && IsWithin(span, processing, trace));
    }

    private static bool IsRedisCommand(Activity span) =>
        span.Source.Name.Contains("Redis", StringComparison.Ordinal) && span.GetTagItem("db.system") is "redis";

    private static bool IsMongoCommand(Activity span, string collection, string operation) =>
        span.Source.Name == "MongoDB.Driver"
        && (string?)span.GetTagItem("db.collection.name") == collection
        && (string?)span.GetTagItem("db.operation.name") == operation;

    /// <summary>Whether <paramref name="span"/> descends from <paramref name="ancestor"/> in the trace.</summary>
    private static bool IsWithin(Activity span, Activity ancestor, List<Activity> trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(candidate => candidate.SpanId == current.ParentSpanId))
        {
            if (current.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
