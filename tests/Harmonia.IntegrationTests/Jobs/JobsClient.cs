using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Harmonia.DataStores;
using Harmonia.Jobs;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Submits and watches jobs the way a client does, and looks at what they stored in MongoDB.</summary>
internal static class JobsClient
{
    /// <summary>How long any job in these tests may take to finish; generous, because a slow machine is not a failure.</summary>
    public static readonly TimeSpan FinishBound = TimeSpan.FromSeconds(90);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A queue of the test's own (<c>Harmonia:Jobs:Queue</c>), so no other test's worker or jobs share it; the prefix
    /// names the test in Redis keys, the Guid's first digits keep the name unique and the keys short.
    /// </summary>
    public static string NewQueue(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    public sealed record Job(
        string Id,
        string Status,
        int Progress,
        string Prompt,
        int DurationSeconds,
        JobResult? Result,
        string? Error,
        int Attempts,
        bool CancelRequested,
        JobQueue? Queue = null);

    public sealed record JobResult(string SongId, string AudioUrl);

    public sealed record JobQueue(int Position, DateTimeOffset? EstimatedStartAt);

    public sealed record JobPage(List<Job> Items, int Page, int PageSize, bool HasMore);

    public sealed record JobEvent(string Type, Job Job);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public static object Song(string prompt, int durationSeconds) => new { type = "song", prompt, durationSeconds };

    public static async Task<HttpResponseMessage> PostAsync(HttpClient api, string accessToken, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await api.SendAsync(request, CancellationToken);
    }

    public static async Task<Job> SubmitSongAsync(HttpClient api, string accessToken, string prompt, int durationSeconds)
    {
        using var response = await PostAsync(api, accessToken, Song(prompt, durationSeconds));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Job>(Json, CancellationToken))!;
    }

    public static async Task<Job> GetJobAsync(HttpClient api, string accessToken, string jobId)
    {
        using var response = await TestUsers.GetAsync(api, $"/jobs/{jobId}", accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Job>(Json, CancellationToken))!;
    }

    public static async Task<JobPage> ListJobsAsync(HttpClient api, string accessToken, int page, int pageSize)
    {
        using var response = await TestUsers.GetAsync(api, $"/jobs?page={page}&pageSize={pageSize}", accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobPage>(Json, CancellationToken))!;
    }

    /// <summary>Reads the job's server-sent events until the stream ends; fails if it is still open after <see cref="FinishBound"/>.</summary>
    public static async IAsyncEnumerable<JobEvent> WatchAsync(HttpClient api, string accessToken, string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
        bound.CancelAfter(FinishBound);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        await using var body = await response.Content.ReadAsStreamAsync(bound.Token);
        // Heartbeats carry no data; a browser's EventSource dispatches none of them, and neither does this.
        var parser = SseParser.Create(body, (type, data) => data.IsEmpty ? null : new JobEvent(type, JsonSerializer.Deserialize<Job>(data, Json)!));
        await foreach (var item in parser.EnumerateAsync(bound.Token))
        {
            if (item.Data is { } jobEvent)
            {
                yield return jobEvent;
            }
        }
    }

    /// <summary>Watches the job to its end and returns every event it saw, the final one last.</summary>
    public static async Task<List<JobEvent>> WatchToEndAsync(HttpClient api, string accessToken, string jobId)
    {
        var events = new List<JobEvent>();
        await foreach (var item in WatchAsync(api, accessToken, jobId, CancellationToken))
        {
            events.Add(item);
        }

        return events;
    }

    public static async Task<IMongoDatabase> DatabaseAsync(AppHostFixture fixture)
    {
        var url = MongoUrl.Create(await fixture.ConnectionStringAsync("harmonia"));
        return new MongoClient(url).GetDatabase(url.DatabaseName ?? "harmonia");
    }

    /// <summary>The job as MongoDB, the source of truth, has it.</summary>
    public static async Task<JobDocument?> FindJobAsync(IMongoDatabase database, string jobId)
    {
        MongoConventions.Register();
        return await new JobStore(database, TimeProvider.System).Documents
            .Find(Builders<JobDocument>.Filter.Eq(job => job.Id, jobId))
            .FirstOrDefaultAsync(CancellationToken);
    }

    /// <summary>Stores a job as a worker would have left it (failed, or waiting out a retry), by default in the queue the AppHost's worker serves.</summary>
    public static async Task<JobDocument> SeedAsync(
        IMongoDatabase database, string userId, JobStatus status, string error, int attempts, DateTime? nextAttemptAt = null, string? queue = null)
    {
        var now = DateTime.UtcNow;
        var job = new JobDocument
        {
            UserId = userId,
            Queue = queue ?? new JobQueueOptions().Queue,
            Type = JobType.Song,
            Prompt = "a song an operator looks at",
            DurationSeconds = 1,
            Status = status,
            Attempts = attempts,
            Version = attempts * 2,
            Error = error,
            NextAttemptAt = nextAttemptAt,
            CreatedAt = now,
            UpdatedAt = now,
            CompletedAt = status is JobStatus.Failed ? now : null,
        };
        await database.GetCollection<JobDocument>(JobStore.Name).InsertOneAsync(job, cancellationToken: CancellationToken);
        return job;
    }

    /// <summary>
    /// Stores a pending job as an API instance's insert does, created <paramref name="age"/> ago, that Redis never heard
    /// of: still awaiting its admission or admitted, with or without an Idempotency-Key.
    /// </summary>
    public static async Task<JobDocument> StorePendingAsync(
        IMongoDatabase database, string userId, string queue, string prompt, bool awaitingAdmission, TimeSpan age, string? idempotencyKey = null)
    {
        MongoConventions.Register();
        var created = DateTime.UtcNow - age;
        var job = new JobDocument
        {
            UserId = userId,
            Queue = queue,
            Type = JobType.Song,
            Prompt = prompt,
            DurationSeconds = 1,
            IdempotencyKey = idempotencyKey,
            AwaitingAdmission = awaitingAdmission,
            Status = JobStatus.Pending,
            Version = 1,
            CreatedAt = created,
            UpdatedAt = created,
        };
        await database.GetCollection<JobDocument>(JobStore.Name).InsertOneAsync(job, cancellationToken: CancellationToken);
        return job;
    }

    /// <summary>How many documents of <paramref name="collection"/> the job created.</summary>
    public static async Task<long> CountByJobAsync(IMongoDatabase database, string collection, string jobId) =>
        await database.GetCollection<BsonDocument>(collection)
            .CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("jobId", ObjectId.Parse(jobId)), cancellationToken: CancellationToken);

    public static async Task<BsonDocument?> FindByJobAsync(IMongoDatabase database, string collection, string jobId) =>
        await database.GetCollection<BsonDocument>(collection)
            .Find(Builders<BsonDocument>.Filter.Eq("jobId", ObjectId.Parse(jobId)))
            .FirstOrDefaultAsync(CancellationToken);
}
