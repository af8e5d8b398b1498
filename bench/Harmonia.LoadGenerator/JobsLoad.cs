using System.Diagnostics;
using System.Globalization;
using System.Net.Mime;
using System.Text;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Music;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Song jobs through <c>POST /jobs</c>, run by a worker with the no-op generator, so what is measured is the
/// queue: the API's insert, cap check and dispatch, the fair scheduler's take, the worker's claim, store and settle.
/// Submissions rotate over every user in the token file, as many users' jobs would arrive (one user alone would meet
/// the per-user caps).
/// </summary>
internal static class JobsLoad
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// <c>jobs-rate</c>: submits at <c>--rate</c> jobs a second for <c>--duration</c> seconds (open loop), waits for
    /// all of them to complete, and reports the submissions' latency and, from the job documents, submit→start.
    /// The worker's own enqueue→pickup histogram is read beside this by dotnet-counters (see load.sh).
    /// </summary>
    public static async Task<int> RunAtRateAsync(Options options, CancellationToken cancellationToken)
    {
        var users = await TokenFile.ReadAsync(options.Text("tokens"));
        var jobs = Jobs(options);
        var requests = users.Tokens.Select(token => RequestBytes.PostJson(options.Api, "/jobs", token, SubmissionJson)).ToArray();
        var since = DateTime.UtcNow;

        var submissions = await OpenLoop.RunAsync(options.Api, requests, options.Number("rate"), TimeSpan.Zero, TimeSpan.FromSeconds(options.Number("duration")), cancellationToken);
        var settled = await WaitForCompletionAsync(jobs, since, submissions.Requests, options, cancellationToken);

        var startDelays = settled.Select(job => (job.StartedAt!.Value - job.CreatedAt).TotalMilliseconds).Order().ToArray();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT {submissions.Format()} completed={settled.Count} submit_to_start_p50_ms={LatencyReport.Percentile(startDelays, 0.5):F0} submit_to_start_p99_ms={LatencyReport.Percentile(startDelays, 0.99):F0}"));
        return submissions.Failed == 0 && settled.Count == submissions.Requests ? 0 : 1;
    }

    /// <summary>
    /// <c>jobs-burst</c>: submits <c>--count</c> jobs as fast as <c>--concurrency</c> callers can, and reports
    /// jobs completed per second from the first submission to the last completion.
    /// </summary>
    public static async Task<int> RunBurstAsync(Options options, CancellationToken cancellationToken)
    {
        var users = await TokenFile.ReadAsync(options.Text("tokens"));
        var jobs = Jobs(options);
        var count = options.Integer("count");
        using var client = Http.Client(options.Api);
        var since = DateTime.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var submitted = 0;

        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = options.Integer("concurrency", 16), CancellationToken = cancellationToken }, async (index, token) =>
        {
            using var request = Submit(users.Tokens[index % users.Count]);
            using var response = await client.SendAsync(request, token);
            response.EnsureSuccessStatusCode();
            Interlocked.Increment(ref submitted);
        });
        var submitSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var settled = await WaitForCompletionAsync(jobs, since, count, options, cancellationToken);
        var totalSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT jobs={count} completed={settled.Count} submit_rate={submitted / submitSeconds:F0} jobs_per_second={settled.Count / totalSeconds:F0} seconds={totalSeconds:F1}"));
        return settled.Count == count ? 0 : 1;
    }

    /// <summary>
    /// <c>jobs-reset</c>: deletes every job, song, audio file and library item of the database, once the warm-up's
    /// jobs are settled. jongodb writes slower with the square of a collection's size and deleting restores its
    /// speed, so each measurement starts from the same empty collections instead of inheriting the warm-up's.
    /// </summary>
    public static async Task<int> ResetAsync(Options options, CancellationToken cancellationToken)
    {
        MongoConventions.Register();
        var url = MongoUrl.Create(options.Text("mongo"));
        var database = new MongoClient(url).GetDatabase(url.DatabaseName);
        // The stores name their own collections (GridFS's two included), so a new one is reset without a change here.
        IMongoIndexes[] stores = [new JobStore.Indexes(), new SongStore.Indexes(), new LibraryStore.Indexes()];
        var collections = stores.SelectMany(store => store.Collections).ToArray();
        foreach (var collection in collections)
        {
            await database.GetCollection<BsonDocument>(collection).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken);
        }

        Console.WriteLine($"RESULT reset={string.Join(',', collections)}");
        return 0;
    }

    private const string SubmissionJson = """{"type":"song","prompt":"benchmark job","durationSeconds":1}""";

    private static HttpRequestMessage Submit(string token)
    {
        var request = Http.Get("/jobs", token);
        request.Method = HttpMethod.Post;
        request.Content = new StringContent(SubmissionJson, Encoding.UTF8, MediaTypeNames.Application.Json);
        return request;
    }

    private static IMongoCollection<JobDocument> Jobs(Options options)
    {
        MongoConventions.Register();
        var url = MongoUrl.Create(options.Text("mongo"));
        return new MongoClient(url).GetDatabase(url.DatabaseName).GetCollection<JobDocument>(JobStore.Name);
    }

    /// <summary>Polls MongoDB, the source of truth, until every job submitted since <paramref name="since"/> is completed, for at most <c>--timeout</c> seconds.</summary>
    private static async Task<List<JobDocument>> WaitForCompletionAsync(
        IMongoCollection<JobDocument> jobs, DateTime since, int expected, Options options, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Number("timeout", 120) * Stopwatch.Frequency);
        var recent = Builders<JobDocument>.Filter.Gte(job => job.CreatedAt, since);
        var completed = recent & Builders<JobDocument>.Filter.Eq(job => job.Status, JobStatus.Completed);
        while (await jobs.CountDocumentsAsync(completed, cancellationToken: cancellationToken) < expected && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(PollInterval, cancellationToken);
        }

        return await jobs.Find(completed).ToListAsync(cancellationToken);
    }
}
