using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using Harmonia.Api.Streaming;
using Harmonia.Jobs;
using MongoDB.Bson;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Job event streams are long-lived and each holds a connection, Redis subscriptions and periodic reads, so they are
/// capped per user, per client address and per replica, beat while silent, end at a maximum lifetime with a
/// <c>retry:</c> hint, end with their session however busy, and leave nothing behind when their set-up fails.
/// In-process instances with small limits, on a queue no worker reads unless the test starts one: every job stays
/// pending, so every stream stays open until the test or the limits end it.
/// </summary>
public sealed class EventStreamTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StreamsBeyondTheUserAndReplicaCapsAreRefusedUntilOneCloses()
    {
        await using var api = await InProcessApi.StartAsync(fixture, Settings(("MaxPerUser", "2"), ("MaxPerReplica", "3"), ("HeartbeatInterval", "00:00:01")));
        using var client = api.CreateClient();
        var ann = await RegisterAndLoginAsync(client);
        var bob = await RegisterAndLoginAsync(client);
        var annsJob = await SubmitSongAsync(client, ann.Tokens.AccessToken, "never picked up", durationSeconds: 1);
        var bobsJob = await SubmitSongAsync(client, bob.Tokens.AccessToken, "never picked up either", durationSeconds: 1);

        var annsFirst = await OpenAsync(client, ann, annsJob.Id);
        using var annsSecond = await OpenAsync(client, ann, annsJob.Id);
        using var annsThird = await OpenAsync(client, ann, annsJob.Id);
        using var bobsFirst = await OpenAsync(client, bob, bobsJob.Id);
        using var bobsSecond = await OpenAsync(client, bob, bobsJob.Id);

        Assert.Equal(HttpStatusCode.OK, annsFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, annsSecond.StatusCode);
        await AssertRefusedAsync(annsThird);
        Assert.Equal(HttpStatusCode.OK, bobsFirst.StatusCode);
        await AssertRefusedAsync(bobsSecond);

        annsFirst.Dispose();
        await Eventually.HoldsAsync(
            async () =>
            {
                using var again = await OpenAsync(client, ann, annsJob.Id);
                return again.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(5),
            "a closed stream frees its slot within a heartbeat");
    }

    [Fact]
    public async Task StreamsBeyondTheAddressCapAreRefusedWhicheverAccountsOpenThem()
    {
        using var metrics = new MetricRecorder(EventStreams.MeterName);
        await using var api = await InProcessApi.StartAsync(fixture, Settings(("MaxPerUser", "2"), ("MaxPerReplica", "10"), ("MaxPerAddress", "3"), ("HeartbeatInterval", "00:00:01")));
        using var client = api.CreateClient();
        var users = new List<(SignedInUser User, string JobId)>();
        for (var i = 0; i < 4; i++)
        {
            var user = await RegisterAndLoginAsync(client);
            users.Add((user, (await SubmitSongAsync(client, user.Tokens.AccessToken, $"never picked up {i}", durationSeconds: 1)).Id));
        }

        var first = await OpenAsync(client, users[0].User, users[0].JobId);
        using var second = await OpenAsync(client, users[1].User, users[1].JobId);
        using var third = await OpenAsync(client, users[2].User, users[2].JobId);
        using var fourth = await OpenAsync(client, users[3].User, users[3].JobId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        await AssertRefusedAsync(fourth);
        Assert.Equal(1, metrics.Sum("harmonia.event_streams.refused", ("harmonia.event_streams.limit", "address")));

        first.Dispose();
        await Eventually.HoldsAsync(
            async () =>
            {
                using var again = await OpenAsync(client, users[3].User, users[3].JobId);
                return again.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(5),
            "a closed stream frees its address's slot within a heartbeat");
    }

    [Fact]
    public async Task ASilentStreamBeatsAndEndsAtItsLifetimeWithARetryHint()
    {
        await using var api = await InProcessApi.StartAsync(fixture, Settings(("HeartbeatInterval", "00:00:01"), ("MaxLifetime", "00:00:05"), ("RetryDelay", "00:00:02")));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "never picked up", durationSeconds: 1);
        var opened = Stopwatch.GetTimestamp();

        using var response = await OpenAsync(client, user, job.Id);
        var (types, retry) = await ReadToEndAsync(response, TimeSpan.FromSeconds(30));

        Assert.Equal("progress", types[0]);
        Assert.InRange(types.Count(type => type == "heartbeat"), 3, 6);
        Assert.Equal(TimeSpan.FromSeconds(2), retry);
        Assert.InRange(Stopwatch.GetElapsedTime(opened), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task AStreamEndsWithinAHeartbeatOfItsSessionsEnd()
    {
        await using var api = await InProcessApi.StartAsync(fixture, Settings(("HeartbeatInterval", "00:00:01")));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "never picked up", durationSeconds: 1);
        using var response = await OpenAsync(client, user, job.Id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using (var logout = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        var (_, retry) = await ReadToEndAsync(response, TimeSpan.FromSeconds(5));
        Assert.Null(retry);
    }

    [Fact]
    public async Task ABusyStreamEndsWithinAHeartbeatOfItsSessionsEnd()
    {
        // Progress every half second for 15 s, under a one-second heartbeat: the stream is never silent long enough
        // for a heartbeat, so only a session check on its own clock ends it before the job does.
        var queue = NewQueue("busy");
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:EventStreams:HeartbeatInterval"] = "00:00:01",
        });
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Jobs:SynthStepDelay"] = "00:00:00.500",
        });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "a long song, busy all along", durationSeconds: 30);
        await using var events = WatchAsync(client, user.Tokens.AccessToken, job.Id, CancellationToken).GetAsyncEnumerator(CancellationToken);
        var running = false;
        while (!running && await events.MoveNextAsync())
        {
            running = events.Current.Job.Status == "running";
        }

        Assert.True(running, "the stream ended before the job ran");

        using (var logout = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        var loggedOut = Stopwatch.GetTimestamp();
        var after = new List<string>();
        while (await events.MoveNextAsync())
        {
            after.Add(events.Current.Type);
        }

        Assert.InRange(Stopwatch.GetElapsedTime(loggedOut), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("finished", after);
    }

    [Fact]
    public async Task AStreamWhoseSetUpFailsLeavesNoSubscriptionBehind()
    {
        using var appHost = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(appHost);
        await fixture.UntilInRedisAsync($"session:{user.Id}:{user.Tokens.SessionId}", "the session reaches Redis, where an instance without MongoDB can read it");
        // Nothing listens on port 9: reading a job Redis does not hold fails once the stream has subscribed.
        await using var cutOff = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>(Settings())
        {
            ["ConnectionStrings:harmonia"] = "mongodb://127.0.0.1:9/harmonia",
        });
        using var client = cutOff.CreateClient();
        var jobId = ObjectId.GenerateNewId().ToString();

        using var response = await OpenAsync(client, user, jobId);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var server = fixture.Redis.GetServers()[0];
        await Eventually.HoldsAsync(
            async () => await server.SubscriptionSubscriberCountAsync(JobKeys.ProgressChannel(jobId)) == 0
                && await server.SubscriptionSubscriberCountAsync(JobKeys.CompletedChannel(jobId)) == 0,
            TimeSpan.FromSeconds(1),
            "nobody is subscribed to the job's channels");
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] limits)
    {
        var settings = new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = NewQueue("idle") };
        foreach (var (key, value) in limits)
        {
            settings[$"Harmonia:EventStreams:{key}"] = value;
        }

        return settings;
    }

    private static async Task<HttpResponseMessage> OpenAsync(HttpClient api, SignedInUser user, string jobId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Tokens.AccessToken);
        return await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken);
    }

    /// <summary>Every event's type, and the <c>retry:</c> hint if one came, once the server ends the stream.</summary>
    private static async Task<(List<string> Types, TimeSpan? Retry)> ReadToEndAsync(HttpResponseMessage response, TimeSpan within)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        bound.CancelAfter(within);
        await using var body = await response.Content.ReadAsStreamAsync(bound.Token);
        var parser = SseParser.Create(body);
        var types = new List<string>();
        await foreach (var item in parser.EnumerateAsync(bound.Token))
        {
            types.Add(item.EventType);
        }

        return (types, parser.ReconnectionInterval == Timeout.InfiniteTimeSpan ? null : parser.ReconnectionInterval);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Contains("event streams", await response.Content.ReadAsStringAsync(CancellationToken), StringComparison.Ordinal);
    }
}
