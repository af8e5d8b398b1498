using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Harmonia.Api.Profiles;
using Harmonia.DataStores;
using Harmonia.IntegrationTests.Caching;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// The AppHost's Redis Cluster is a real one, and the services connect to it and work: sessions, the two-level
/// cache and its backplane, rate limiting, a job end to end, and the statistics that must see every node.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterAppHostFixture cluster)
{
    private const int SlotCount = 16384;

    /// <summary>How soon a read's value reaches Redis: the cache writes L2 in the background, after answering.</summary>
    private static readonly TimeSpan BackgroundWriteBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RedisIsAClusterOfThreePrimariesThatCoverEverySlot()
    {
        var primaries = RedisServerInfo.ConnectedPrimaries(cluster.Redis);

        var nodes = await primaries[0].ClusterNodesAsync();

        Assert.Equal(3, primaries.Count);
        Assert.All(primaries, primary => Assert.Equal(ServerType.Cluster, primary.ServerType));
        Assert.Equal(SlotCount, nodes!.Nodes.Where(node => !node.IsReplica).Sum(node => node.Slots.Sum(range => range.To - range.From + 1)));
        foreach (var primary in primaries)
        {
            Assert.Contains("cluster_state:ok", (string?)await primary.ExecuteAsync("CLUSTER", "INFO"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DashboardShowsEachNodeAndTheStepThatFormedTheClusterUnderRedis()
    {
        var children = cluster.ChildrenOf("redis");

        Assert.Equal(["redis-1", "redis-2", "redis-3", "redis-create"], children);
        Assert.True(cluster.App.ResourceNotifications.TryGetCurrentState("redis-create", out var formed));
        Assert.Equal(0, formed.Snapshot.ExitCode);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task ServiceReportsHealthyOnTheCluster(string service)
    {
        using var client = cluster.App.CreateHttpClient(service);

        using var response = await client.GetAsync("/health", CancellationToken);

        // Degraded would mean the service's own Redis check failed on the cluster.
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(CancellationToken));
    }

    [Fact]
    public async Task SignUpSignInAndCachedReadWorkOnTheCluster()
    {
        using var api = cluster.CreateApiClient();
        var user = await RegisterAndLoginAsync(api, displayName: "Clustered");

        var first = await DisplayNameAsync(api, user);
        var second = await DisplayNameAsync(api, user);

        Assert.Equal(("Clustered", "Clustered"), (first, second));
        await Eventually.HoldsAsync(
            () => cluster.Redis.GetDatabase().KeyExistsAsync(ProfileKeys.Profile(user.Id)),
            BackgroundWriteBound,
            "the profile is cached in the cluster (L2)");
    }

    [Fact]
    public async Task ProfileUpdateOnOneReplicaIsSeenOnTheOther()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        await CoherenceScenarios.ProfileUpdateIsSeenOnTheOtherReplicaAsync(replicaA, replicaB);
    }

    [Fact]
    public async Task RateLimitsAreCountedInTheCluster()
    {
        using var api = cluster.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, "/users/me", user.Tokens.AccessToken));

        // A decision made locally (Redis unreachable) would leave no count in Redis.
        Assert.NotEmpty(await KeysAsync($"rate:{{u:{user.Id}}}:*"));
    }

    [Fact]
    public async Task JobRunsToCompletionOnTheCluster()
    {
        using var api = cluster.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song in three shards", durationSeconds: 1);

        var events = await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id).WaitAsync(FinishBound, CancellationToken);

        Assert.Equal("completed", events[^1].Job.Status);
    }

    [Fact]
    public async Task CacheStatisticsCoverEveryPrimary()
    {
        using var api = cluster.CreateApiReplicaClient(0);
        var admin = await AdminAsync(api);
        for (var i = 0; i < 6; i++)
        {
            await RegisterAndLoginAsync(api);
        }

        var stats = await StatsAsync(api, admin);

        Assert.Equal(3L * 512 * 1024 * 1024, stats.Redis.MaxMemoryBytes);
        Assert.True(stats.Redis.Complete);
        await Eventually.HoldsAsync(
            async () => (await StatsAsync(api, admin)).Redis.KeysByNamespace.GetValueOrDefault("session") == (await KeysAsync("session:*")).Count,
            TimeSpan.FromSeconds(5),
            "the statistics count the session keys of every node");
    }

    /// <summary>The keys matching <paramref name="pattern"/> on every primary, found with SCAN.</summary>
    private async Task<List<RedisKey>> KeysAsync(string pattern)
    {
        var keys = new List<RedisKey>();
        foreach (var primary in RedisServerInfo.ConnectedPrimaries(cluster.Redis))
        {
            await foreach (var key in primary.KeysAsync(pattern: pattern))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The admin role needs a verified address, so the cluster's administrator verifies it through the mail server.</summary>
    private async Task<SignedInUser> AdminAsync(HttpClient api)
    {
        using var mailbox = cluster.CreateMailbox();
        return await RegisterVerifiedAsync(api, mailbox, ClusterAppHostFixture.AdminEmail);
    }

    private static async Task<Stats> StatsAsync(HttpClient api, SignedInUser admin)
    {
        using var response = await GetAsync(api, "/admin/cache/stats", admin.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Stats>(CancellationToken))!;
    }

    private sealed record Stats(RedisStats Redis);

    private sealed record RedisStats(long MaxMemoryBytes, Dictionary<string, long> KeysByNamespace, bool Complete);
}
