using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>What the cache does, measured inside in-process API instances that share the AppHost's stores.</summary>
[Collection(InProcessCollection.Name)]
public sealed class CacheMeasurementTests(AppHostFixture fixture)
{
    [Fact]
    public async Task ThousandConcurrentReadsOfAColdProfileQueryMongoOnce()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var subject = await RegisterAndLoginAsync(replica);
        await ForgetProfileAsync(subject.Id);
        await using var api = await InProcessApi.StartAsync(fixture);
        using var client = api.CreateClient();
        var reader = await RegisterAndLoginAsync(client);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", reader.Tokens.AccessToken));
        using var metrics = new MetricRecorder("Harmonia.MongoDB");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ =>
            GetStatusAsync(client, $"/users/{subject.Id}", reader.Tokens.AccessToken)));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, Auth.SessionCacheTests.MongoCommands(metrics, "users", "find"));
    }

    [Fact]
    public async Task RequestsAreCountedByAreaAndLevel()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var subject = await RegisterAndLoginAsync(replica);
        await ForgetProfileAsync(subject.Id);
        await using var first = await InProcessApi.StartAsync(fixture);
        await using var second = await InProcessApi.StartAsync(fixture);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var reader = await RegisterAndLoginAsync(firstClient);
        using var metrics = new MetricRecorder("Harmonia.Cache");

        // A cold read misses both levels; the same instance then answers from L1; a second instance from L2.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(firstClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(firstClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        await fixture.UntilInRedisAsync($"cache:user:{subject.Id}", "the profile reaches Redis");
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(secondClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        await new LibraryClient(firstClient, reader.Tokens.AccessToken).AddPlaylistAsync("Counted");

        Assert.Equal(1, Requests(metrics, "profile", "miss"));
        Assert.Equal(1, Requests(metrics, "profile", "l1_hit"));
        Assert.Equal(1, Requests(metrics, "profile", "l2_hit"));
        Assert.True(Requests(metrics, "session", "l1_hit") >= 2, "the first instance checked its sessions from L1");
        Assert.Equal(1, metrics.Sum("harmonia.cache.invalidations", ("area", "library"), ("reason", "library-item-added")));
    }

    /// <summary>
    /// Registration writes the new profile through to Redis; dropping it there (once it has arrived) makes the profile
    /// cold for instances started afterwards, whose L1 starts empty.
    /// </summary>
    private async Task ForgetProfileAsync(string userId)
    {
        await fixture.UntilInRedisAsync($"cache:user:{userId}", "the new profile reaches Redis");
        await fixture.Redis.GetDatabase().KeyDeleteAsync($"cache:user:{userId}");
    }

    private static double Requests(MetricRecorder metrics, string area, string result) =>
        metrics.Sum("harmonia.cache.requests", ("area", area), ("result", result));
}
