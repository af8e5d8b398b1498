using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using Harmonia.IntegrationTests.Caching;
using Harmonia.Notifications;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Notifications;

/// <summary>
/// <c>GET /notifications</c> through the AppHost's two API replicas and its worker: one stream per client carrying
/// everything about the user, whichever process produced it, resumable without loss.
/// </summary>
public sealed class NotificationTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AClientOnReplicaASeesProgressOfAJobSubmittedOnBAndALibraryChangeMadeOnB()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaB);
        await using var listener = await NotificationListener.OpenAsync(replicaA, user.Tokens.AccessToken);
        Assert.Equal("ready", (await listener.NextAsync(Soon)).Type);

        var job = await SubmitSongAsync(replicaB, user.Tokens.AccessToken, "heard on the other replica", durationSeconds: 3);
        var playlist = await new LibraryClient(replicaB, user.Tokens.AccessToken).AddPlaylistAsync("made on B");

        var seen = new List<NotificationListener.Notification>();
        while (!seen.Any(n => n.Type == "job" && Is(n, "id", job.Id) && Is(n, "status", "completed"))
            || !seen.Any(n => n.Type == "library" && Is(n, "itemId", playlist.Id)))
        {
            seen.Add(await listener.NextAsync(FinishBound));
        }

        Assert.Contains(seen, n => n.Type == "job" && Is(n, "id", job.Id) && Is(n, "status", "running") && n.Data.GetProperty("progress").GetInt32() > 0);
        Assert.Contains(seen, n => n.Type == "library" && Is(n, "change", "added") && Is(n, "title", "made on B"));
        Assert.All(seen, n => Assert.NotNull(n.Id));
    }

    [Fact]
    public async Task AJobNotificationArrivingAfterANewerOneCarriesTheOlderVersion()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        await using var listener = await NotificationListener.OpenAsync(replicaA, user.Tokens.AccessToken);
        Assert.Equal("ready", (await listener.NextAsync(Soon)).Type);
        var job = await SubmitSongAsync(replicaB, user.Tokens.AccessToken, "heard out of order", durationSeconds: 3);
        var running = await listener.WaitForAsync(n => IsJob(n, job.Id, "running") && n.Data.GetProperty("progress").GetInt32() > 0, FinishBound);
        var completed = await listener.WaitForAsync(n => IsJob(n, job.Id, "completed"), FinishBound);

        // Each process appends after its own status write, so of two racing writers the older state can be appended last.
        await AppendAgainAsync(user.Id, running.Id!);
        var late = await listener.WaitForAsync(n => n.Type == "job", Soon);

        Assert.True(IsJob(late, job.Id, "running"), $"expected the late running state, got {late.Data}");
        Assert.True(
            Version(late) < Version(completed),
            $"the late event's version {Version(late)} must be below the completion's {Version(completed)}, so a client can drop it");
    }

    [Fact]
    public async Task ReconnectingWithLastEventIdGetsEverythingMissedInOrderAndNothingElse()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        string lastEventId;
        await using (var first = await NotificationListener.OpenAsync(replicaA, user.Tokens.AccessToken))
        {
            lastEventId = (await first.NextAsync(Soon)).Id!;
        }

        var library = new LibraryClient(replicaB, user.Tokens.AccessToken);
        var missed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add((await library.AddPlaylistAsync($"missed {i}")).Id);
        }

        await using var again = await NotificationListener.OpenAsync(replicaB, user.Tokens.AccessToken, lastEventId);
        var received = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var notification = await again.NextAsync(Soon);
            Assert.Equal("library", notification.Type);
            received.Add(notification.Data.GetProperty("itemId").GetString()!);
        }

        Assert.Equal(missed, received);
    }

    [Fact]
    public async Task SessionEndedReachesTheOtherDeviceOnTheOtherReplicaWithinOneSecondOfLogoutAll()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var phone = await RegisterAndLoginAsync(replicaA);
        var laptop = await LoginAsync(replicaB, phone.Email);
        await using var laptopListener = await NotificationListener.OpenAsync(replicaB, laptop.AccessToken);
        Assert.Equal("ready", (await laptopListener.NextAsync(Soon)).Type);

        using (var logoutAll = await SendAsync(replicaA, HttpMethod.Post, "/auth/logout-all", phone.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, logoutAll.StatusCode);
        }

        var loggedOutAt = Stopwatch.GetTimestamp();
        var ended = await laptopListener.WaitForAsync(n => n.Type == "session-ended", TimeSpan.FromSeconds(5));
        var took = Stopwatch.GetElapsedTime(loggedOutAt);

        Assert.True(took <= TimeSpan.FromSeconds(1), $"the other device heard of it after {took}");
        Assert.Equal(laptop.SessionId, ended.Data.GetProperty("sessionId").GetString());
        Assert.Equal("logout-all", ended.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task NotificationStreamsShareTheEventStreamCapsPerUser()
    {
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:EventStreams:MaxPerUser"] = "1" });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        await using var open = await NotificationListener.OpenAsync(client, user.Tokens.AccessToken);

        using var refused = await GetAsync(client, "/notifications", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task ASilentNotificationStreamBeatsAndEndsAtItsLifetimeWithARetryHint()
    {
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:EventStreams:HeartbeatInterval"] = "00:00:01",
            ["Harmonia:EventStreams:MaxLifetime"] = "00:00:05",
            ["Harmonia:EventStreams:RetryDelay"] = "00:00:02",
        });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        using var response = await GetAsync(client, "/notifications", user.Tokens.AccessToken);
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var parser = SseParser.Create(body);
        var types = new List<string>();
        await foreach (var item in parser.EnumerateAsync(TestContext.Current.CancellationToken))
        {
            types.Add(item.EventType);
        }

        Assert.Equal("ready", types[0]);
        Assert.InRange(types.Count(type => type == "heartbeat"), 3, 6);
        Assert.Equal(TimeSpan.FromSeconds(2), parser.ReconnectionInterval);
    }

    /// <summary>Appends the data of the user's notification <paramref name="entryId"/> once more, as a late writer would.</summary>
    private async Task AppendAgainAsync(string userId, string entryId)
    {
        var entry = (await fixture.Redis.GetDatabase().StreamRangeAsync(NotificationKeys.Stream(userId), entryId, entryId)).Single();
        var notifications = new UserNotifications(fixture.Redis, Options.Create(new NotificationOptions()), TimeProvider.System, NullLogger<UserNotifications>.Instance);
        Assert.True(await notifications.TryAppendAsync(userId, entry[UserNotifications.TypeField]!, entry[UserNotifications.DataField]!));
    }

    private static bool IsJob(NotificationListener.Notification notification, string jobId, string status) =>
        notification.Type == "job" && Is(notification, "id", jobId) && Is(notification, "status", status);

    private static long Version(NotificationListener.Notification notification) => notification.Data.GetProperty("version").GetInt64();

    private static bool Is(NotificationListener.Notification notification, string property, string value) =>
        notification.Data.TryGetProperty(property, out var actual) && actual.GetString() == value;
}
