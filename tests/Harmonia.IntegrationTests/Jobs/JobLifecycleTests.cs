using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Harmonia.IntegrationTests.Caching;
using Harmonia.IntegrationTests.RateLimiting;
using Harmonia.Jobs;
using Harmonia.Music;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using MongoDB.Driver.GridFS;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

public sealed class JobLifecycleTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SubmittedSongIsWatchedToCompletionAndLandsInTheLibrary()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        // Both replicas hold the empty library page in L1, so seeing the song proves the worker's invalidation reached them.
        var libraries = fixture.CreateApiReplicaClients();
        foreach (var replica in libraries)
        {
            Assert.Empty((await new LibraryClient(replica, user.Tokens.AccessToken).GetPageAsync()).Items);
        }

        var submitted = await SubmitSongAsync(api, user.Tokens.AccessToken, "  a calm   piano melody at dawn ", durationSeconds: 2);
        var events = await WatchToEndAsync(api, user.Tokens.AccessToken, submitted.Id);

        var final = events[^1];
        Assert.Equal("finished", final.Type);
        Assert.Equal("completed", final.Job.Status);
        Assert.Equal(100, final.Job.Progress);
        Assert.All(events[..^1], e => Assert.Equal("progress", e.Type));
        Assert.Equal(events.Select(e => e.Job.Progress).Order(), events.Select(e => e.Job.Progress));
        var result = Assert.IsType<JobResult>(final.Job.Result);
        Assert.Equal(result, (await GetJobAsync(api, user.Tokens.AccessToken, submitted.Id)).Result);

        var database = await DatabaseAsync(fixture);
        Assert.Equal(1, await CountByJobAsync(database, "songs", submitted.Id));
        var item = await FindByJobAsync(database, "library", submitted.Id);
        Assert.NotNull(item);
        Assert.Equal("A calm piano melody at dawn", item["title"].AsString);
        Assert.Equal(result.SongId, item["songId"].AsObjectId.ToString());
        Assert.Equal(user.Id, item["userId"].AsObjectId.ToString());
        foreach (var replica in libraries)
        {
            using (replica)
            {
                var library = new LibraryClient(replica, user.Tokens.AccessToken);
                await Eventually.HoldsAsync(
                    async () => (await library.GetPageAsync()).Items.SingleOrDefault()?.SongId == result.SongId,
                    TimeSpan.FromSeconds(1),
                    $"{replica.BaseAddress}'s library page shows the generated song");
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/songs/{result.SongId}", user.Tokens.AccessToken));
            }
        }
    }

    /// <summary>
    /// A prompt of emoji alone has no space to end its title at. The title was cut inside an emoji, whose half
    /// MongoDB's driver refuses to encode: every attempt's insert threw, and the job gave up after its last.
    /// </summary>
    [Fact]
    public async Task AnAllEmojiPromptCompletesWithATitleOfWholeEmoji()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        var submitted = await SubmitSongAsync(api, user.Tokens.AccessToken, string.Concat(Enumerable.Repeat("🎹", 40)), durationSeconds: 1);
        var final = (await WatchToEndAsync(api, user.Tokens.AccessToken, submitted.Id))[^1];

        Assert.Equal("completed", final.Job.Status);
        var item = await FindByJobAsync(await DatabaseAsync(fixture), "library", submitted.Id);
        Assert.Equal(string.Concat(Enumerable.Repeat("🎹", 29)) + "…", item?["title"].AsString);
    }

    [Fact]
    public async Task CompletedSongsAudioIsAWavFileForItsOwnerOnly()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        // Five seconds of 16-bit audio span two GridFS chunks, so the download must put chunks back together.
        const int durationSeconds = 5;
        var job = await SubmitSongAsync(api, owner.Tokens.AccessToken, "three short bells", durationSeconds);
        var result = (await WatchToEndAsync(api, owner.Tokens.AccessToken, job.Id))[^1].Job.Result!;

        using var response = await GetAsync(api, result.AudioUrl, owner.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        var wav = await response.Content.ReadAsByteArrayAsync(CancellationToken);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal("WAVE", Encoding.ASCII.GetString(wav, 8, 4));
        Assert.Equal(wav.Length - 8, BitConverter.ToInt32(wav, 4));
        Assert.Equal(WavFormat.HeaderLength + durationSeconds * SynthSongGenerator.SampleRate * sizeof(short), wav.Length);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, result.AudioUrl, stranger.Tokens.AccessToken));
    }

    /// <summary>
    /// A download reads the file's document, then its chunks; a deletion of the song that lands in between (GridFS
    /// deletes the document, then the chunks) leaves it no chunks to read. That escaped as a 500.
    /// </summary>
    [Fact]
    public async Task AudioDeletedWhileItIsReadIsNotFound()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, owner.Tokens.AccessToken, "a bell that fades", durationSeconds: 1);
        var result = (await WatchToEndAsync(api, owner.Tokens.AccessToken, job.Id))[^1].Job.Result!;
        var song = await new SongStore(fixture.Database).FindOwnedAsync(result.SongId, owner.Id, CancellationToken);
        var audioFileId = ObjectId.Parse(song!.AudioFileId!);
        using var mongo = await DeletingAudioBeforeItsChunksAreReadAsync(audioFileId);
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            services: services => services.AddSingleton(new SongStore(mongo.GetDatabase(fixture.Database.DatabaseNamespace.DatabaseName))));
        using var client = instance.CreateClient();

        var status = await GetStatusAsync(client, result.AudioUrl, owner.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(0, await fixture.Database.GetCollection<BsonDocument>($"{SongStore.AudioBucketName}.chunks")
            .CountDocumentsAsync(new BsonDocument("files_id", audioFileId), cancellationToken: CancellationToken));
    }

    [Fact]
    public async Task AudioAnswersRangeRequests()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a range of notes", durationSeconds: 1);
        var result = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job.Result!;
        using var request = new HttpRequestMessage(HttpMethod.Get, result.AudioUrl);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Tokens.AccessToken);
        request.Headers.Range = new RangeHeaderValue(0, 11);

        using var response = await api.SendAsync(request, CancellationToken);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(await response.Content.ReadAsByteArrayAsync(CancellationToken), 0, 4));
        Assert.Equal(12, response.Content.Headers.ContentLength);
    }

    /// <summary>A shared cache (proxy, CDN) must not hand one owner's audio to anyone else, nor the owner's after a deletion.</summary>
    [Fact]
    public async Task AudioIsKeptOnlyByItsOwnersCacheAndRevalidatedBeforeEachUse()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a private tune", durationSeconds: 1);
        var result = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job.Result!;

        using var response = await GetAsync(api, result.AudioUrl, user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Private: true, NoCache: true, NoStore: false, MaxAge: null, SharedMaxAge: null, Public: false }, $"Cache-Control: {response.Headers.CacheControl}");
    }

    /// <summary>Players and download managers probe with HEAD for the size and whether ranges are served.</summary>
    [Fact]
    public async Task HeadOnAudioAnswersWhatGetWouldWithoutTheFileAndOnlyToItsOwner()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, owner.Tokens.AccessToken, "a tune to probe", durationSeconds: 1);
        var result = (await WatchToEndAsync(api, owner.Tokens.AccessToken, job.Id))[^1].Job.Result!;
        using var get = await GetAsync(api, result.AudioUrl, owner.Tokens.AccessToken);

        using var head = await SendAsync(api, HttpMethod.Head, result.AudioUrl, owner.Tokens.AccessToken);
        using var strangersHead = await SendAsync(api, HttpMethod.Head, result.AudioUrl, stranger.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal((await get.Content.ReadAsByteArrayAsync(CancellationToken)).Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(CancellationToken));
        Assert.NotNull(head.Headers.ETag);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(["bytes"], head.Headers.AcceptRanges);
        Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(HttpStatusCode.NotFound, strangersHead.StatusCode);
    }

    [Fact]
    public async Task HeadOnAudioCountsAgainstTheQuotaOfGet()
    {
        const string policy = "user-route";
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a counted tune", durationSeconds: 1);
        var result = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job.Result!;
        using var get = await GetAsync(api, result.AudioUrl, user.Tokens.AccessToken);

        using var head = await SendAsync(api, HttpMethod.Head, result.AudioUrl, user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(RateLimitFields.LimitOf(get, policy).Remaining - 1, RateLimitFields.LimitOf(head, policy).Remaining);
    }

    [Fact]
    public async Task SameIdempotencyKeyFromTheSameUserReturnsTheSameJob()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var other = await RegisterAndLoginAsync(api);
        var key = Guid.NewGuid().ToString();
        var body = Song("an idempotent lullaby", 1);

        using var first = await PostAsync(api, user.Tokens.AccessToken, body, key);
        using var second = await PostAsync(api, user.Tokens.AccessToken, body, key);
        using var otherUsers = await PostAsync(api, other.Tokens.AccessToken, body, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var firstJob = (await first.Content.ReadFromJsonAsync<Job>(CancellationToken))!;
        Assert.Equal(firstJob.Id, (await second.Content.ReadFromJsonAsync<Job>(CancellationToken))!.Id);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.NotEqual(firstJob.Id, (await otherUsers.Content.ReadFromJsonAsync<Job>(CancellationToken))!.Id);
        Assert.Single((await ListJobsAsync(api, user.Tokens.AccessToken, page: 1, pageSize: 10)).Items);
    }

    [Fact]
    public async Task IdempotencyKeyReusedForADifferentRequestIsRefused()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var key = Guid.NewGuid().ToString();
        using var first = await PostAsync(api, user.Tokens.AccessToken, Song("the first request", 1), key);

        using var reused = await PostAsync(api, user.Tokens.AccessToken, Song("a different request", 1), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CancelingARunningJobStopsItWithoutASong()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a long song to interrupt", durationSeconds: 30);

        var events = new List<JobEvent>();
        var canceling = false;
        await foreach (var item in WatchAsync(api, user.Tokens.AccessToken, job.Id, CancellationToken))
        {
            events.Add(item);
            if (!canceling && item.Job is { Status: "running", Progress: > 0 })
            {
                canceling = true;
                using var cancel = await SendAsync(api, HttpMethod.Post, $"/jobs/{job.Id}/cancel", user.Tokens.AccessToken);
                Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
                Assert.True((await cancel.Content.ReadFromJsonAsync<Job>(CancellationToken))!.CancelRequested);
            }
        }

        var final = events[^1].Job;
        Assert.Equal("canceled", final.Status);
        Assert.InRange(final.Progress, 1, 99);
        Assert.Null(final.Result);
        Assert.Equal(0, await CountByJobAsync(await DatabaseAsync(fixture), "songs", job.Id));
        Assert.Equal("canceled", (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status);
    }

    [Fact]
    public async Task CancelingAFinishedJobIsAConflict()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "already done", durationSeconds: 1);
        await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id);

        using var cancel = await SendAsync(api, HttpMethod.Post, $"/jobs/{job.Id}/cancel", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal("completed", (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status);
    }

    [Fact]
    public async Task ProgressCanBeWatchedThroughEitherApiReplica()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(replicaA);
        var job = await SubmitSongAsync(replicaA, user.Tokens.AccessToken, "heard on the other replica", durationSeconds: 30);

        var watchedOnB = await WatchToEndAsync(replicaB, user.Tokens.AccessToken, job.Id);

        Assert.Equal("completed", watchedOnB[^1].Job.Status);
        Assert.Contains(watchedOnB, e => e.Job is { Status: "running", Progress: > 0 and < 100 });
        Assert.Equal("completed", (await GetJobAsync(replicaA, user.Tokens.AccessToken, job.Id)).Status);
    }

    [Fact]
    public async Task LateWatcherGetsTheFinalStateAndTheStreamEnds()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "watched too late", durationSeconds: 1);
        await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id);

        var late = await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id);

        var only = Assert.Single(late);
        Assert.Equal("finished", only.Type);
        Assert.Equal("completed", only.Job.Status);
    }

    [Fact]
    public async Task AnotherUsersJobIsNotFound()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, owner.Tokens.AccessToken, "mine alone", durationSeconds: 1);

        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, $"/jobs/{job.Id}", stranger.Tokens.AccessToken));
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, $"/jobs/{job.Id}/events", stranger.Tokens.AccessToken));
        using var cancel = await SendAsync(api, HttpMethod.Post, $"/jobs/{job.Id}/cancel", stranger.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Empty((await ListJobsAsync(api, stranger.Tokens.AccessToken, page: 1, pageSize: 10)).Items);
        Assert.Equal("completed", (await WatchToEndAsync(api, owner.Tokens.AccessToken, job.Id))[^1].Job.Status);
    }

    [Fact]
    public async Task JobsAreListedNewestFirstInPages()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var submitted = new List<Job>();
        foreach (var prompt in new[] { "first of three", "second of three", "third of three" })
        {
            submitted.Add(await SubmitSongAsync(api, user.Tokens.AccessToken, prompt, durationSeconds: 1));
        }

        var first = await ListJobsAsync(api, user.Tokens.AccessToken, page: 1, pageSize: 2);
        var second = await ListJobsAsync(api, user.Tokens.AccessToken, page: 2, pageSize: 2);

        Assert.Equal([submitted[2].Id, submitted[1].Id], first.Items.Select(j => j.Id));
        Assert.True(first.HasMore);
        Assert.Equal([submitted[0].Id], second.Items.Select(j => j.Id));
        Assert.False(second.HasMore);
    }

    [Fact]
    public async Task JobStatusSurvivesLosingItsRedisCopy()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "remembered by MongoDB", durationSeconds: 1);
        await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync("redis"));

        await redis.GetDatabase().KeyDeleteAsync(JobKeys.Status(job.Id));

        var reread = await GetJobAsync(api, user.Tokens.AccessToken, job.Id);
        Assert.Equal("completed", reread.Status);
        Assert.NotNull(reread.Result);
        Assert.True(await redis.GetDatabase().KeyExistsAsync(JobKeys.Status(job.Id)));
    }

    /// <summary>
    /// A MongoDB client that, just before it asks for the chunks of <paramref name="fileId"/> (once), deletes that file
    /// through another client the way a song's deletion does.
    /// </summary>
    private async Task<MongoClient> DeletingAudioBeforeItsChunksAreReadAsync(ObjectId fileId)
    {
        var audio = new GridFSBucket(fixture.Database, new GridFSBucketOptions { BucketName = SongStore.AudioBucketName });
        var armed = 1;
        var settings = MongoClientSettings.FromConnectionString(await fixture.ConnectionStringAsync("harmonia"));
        settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(started =>
        {
            if (started.CommandName == "find"
                && started.Command["find"] == $"{SongStore.AudioBucketName}.chunks"
                && started.Command["filter"].ToString()!.Contains(fileId.ToString(), StringComparison.Ordinal)
                && Interlocked.Exchange(ref armed, 0) == 1)
            {
                // The event is raised on the reader's way to the server, so the read waits for this deletion.
                audio.Delete(fileId);
            }
        });
        return new MongoClient(settings);
    }
}
