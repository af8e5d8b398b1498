using System.Diagnostics;
using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// With MongoDB unreachable, an expired profile, page or song is served stale (and says so), while an expired
/// session is never trusted. Entries are made to expire within the test by giving in-process instances
/// one-second durations; the instance that cannot reach MongoDB (nothing listens on port 9) shares Redis.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class FailSafeTests(AppHostFixture fixture)
{
    /// <summary>Reads after the fallback, all well within fail-safe's 10 s throttle.</summary>
    private const int ThrottledReads = 3;

    private const string StaleStatus = "Harmonia; fwd=stale; detail=fail-safe";

    private static readonly TimeSpan Expiration = TimeSpan.FromSeconds(1);

    /// <summary>The soft timeout is 100 ms; the rest is margin for a busy machine, far below MongoDB's 5 s server selection.</summary>
    private static readonly TimeSpan StaleAnswerBound = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, string?> ShortLivedProfiles = new()
    {
        ["Harmonia:Cache:Areas:profile:Expiration"] = "00:00:01",
        ["Harmonia:Cache:Areas:profile:LocalExpiration"] = "00:00:00.500",
        ["Harmonia:Cache:Areas:profile:MissExpiration"] = "00:00:00.500",
    };

    private static readonly Dictionary<string, string?> ShortLivedSessions = new()
    {
        ["Harmonia:Cache:Areas:session:Expiration"] = "00:00:01",
        ["Harmonia:Cache:Areas:session:LocalExpiration"] = "00:00:00.500",
        ["Harmonia:Cache:Areas:session:MissExpiration"] = "00:00:00.500",
    };

    private static readonly KeyValuePair<string, string?> MongoUnreachable = new("ConnectionStrings:harmonia", "mongodb://127.0.0.1:9/harmonia");

    /// <summary>
    /// The first read after the expiry falls back to the stale value; for fail-safe's throttle (10 s) the reads after
    /// it take that value from memory without asking MongoDB. Each of them is a stale answer too, so each says so and
    /// is counted once as <c>stale</c>.
    /// </summary>
    [Fact]
    public async Task WithMongoDownAnExpiredProfileIsServedStaleAndEveryStaleAnswerSaysSo()
    {
        await using var online = await InProcessApi.StartAsync(fixture, ShortLivedProfiles);
        await using var cutOff = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>(ShortLivedProfiles) { [MongoUnreachable.Key] = MongoUnreachable.Value });
        using var onlineClient = online.CreateClient();
        using var cutOffClient = cutOff.CreateClient();
        // Registered through the short-lived instance: registration writes the profile through to the cache with the
        // writing instance's durations.
        var subject = await RegisterAndLoginAsync(onlineClient);
        var reader = await RegisterAndLoginAsync(onlineClient);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(onlineClient, $"/users/{subject.Id}", subject.Tokens.AccessToken));
        await fixture.UntilInRedisAsync($"cache:user:{subject.Id}", "the profile reaches Redis");
        // The cut-off instance's first-request costs are paid outside the measurement, on another profile: had it read
        // the subject's now, on a busy machine that read could come after the expiry and take the stale value itself.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(cutOffClient, $"/users/{reader.Id}", reader.Tokens.AccessToken));
        await Task.Delay(Expiration * 1.5, TestContext.Current.CancellationToken);
        using var metrics = new MetricRecorder("Harmonia.Cache");

        var started = Stopwatch.GetTimestamp();
        using var fallback = await GetAsync(cutOffClient, $"/users/{subject.Id}", subject.Tokens.AccessToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var throttled = new List<string>();
        for (var read = 0; read < ThrottledReads; read++)
        {
            using var response = await GetAsync(cutOffClient, $"/users/{subject.Id}", subject.Tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            throttled.Add(Assert.Single(response.Headers.GetValues("Cache-Status")));
        }

        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Equal(StaleStatus, Assert.Single(fallback.Headers.GetValues("Cache-Status")));
        Assert.True(elapsed < StaleAnswerBound, $"The stale answer took {elapsed.TotalMilliseconds:0} ms.");
        Assert.All(throttled, status => Assert.Equal(StaleStatus, status));
        Assert.Equal(1 + ThrottledReads, metrics.Sum("harmonia.cache.requests", ("area", "profile"), ("result", "stale")));
        Assert.Equal(0, metrics.Sum("harmonia.cache.requests", ("area", "profile"), ("result", "l1_hit")));
    }

    [Fact]
    public async Task WithMongoDownAnExpiredSessionIsNeverTrusted()
    {
        await using var online = await InProcessApi.StartAsync(fixture, ShortLivedSessions);
        using var onlineClient = online.CreateClient();
        var user = await RegisterAndLoginAsync(onlineClient);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(onlineClient, "/users/me", user.Tokens.AccessToken));
        await using var cutOff = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>(ShortLivedSessions) { [MongoUnreachable.Key] = MongoUnreachable.Value });
        using var cutOffClient = cutOff.CreateClient();
        await Task.Delay(Expiration * 1.5, TestContext.Current.CancellationToken);

        var status = await GetStatusAsync(cutOffClient, "/users/me", user.Tokens.AccessToken);

        // Neither served as active nor taken for revoked: the session cannot be checked, so the request waits for MongoDB.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }
}
