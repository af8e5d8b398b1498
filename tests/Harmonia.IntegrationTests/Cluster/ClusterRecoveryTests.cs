using System.Net;
using System.Net.Http.Json;
using Harmonia.DataStores;
using Harmonia.IntegrationTests.Caching;
using Harmonia.IntegrationTests.Jobs;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// Crashes and data loss on the cluster: a worker killed mid-job, and every primary flushed at once. MongoDB is the
/// truth, so nothing is lost: jobs finish exactly once, and sessions and caches refill from it. They break only the
/// cluster AppHost, whose collection runs its tests one at a time, so no other test's jobs are caught in it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRecoveryTests(ClusterAppHostFixture cluster)
{
    private static readonly TimeSpan CoherenceBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobOfAKilledWorkerCompletesAfterRestartWithExactlyOneSongAndLibraryItem()
    {
        using var api = cluster.CreateApiClient();
        await JobRecoveryScenarios.KilledWorkerJobCompletesExactlyOnceAsync(cluster.App, api, cluster.Database, "survives a crash on a cluster");
    }

    [Fact]
    public async Task FlushingEveryPrimaryWithJobsQueuedTakesThemUpAgainWithinFiveSeconds()
    {
        using var api = cluster.CreateApiClient();
        await JobRecoveryScenarios.FlushedQueueTakesUpAndCompletesEveryJobAsync(api, cluster.Database, FlushEveryPrimaryAsync, "flushed cluster song");
    }

    [Fact]
    public async Task AfterEveryPrimaryIsFlushedSessionsHoldAndCachesRefillFromMongoDB()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA, displayName: "Before the flush");
        var endedDevice = await LoginAsync(replicaA, user.Email);
        using (var ended = await SendAsync(replicaA, HttpMethod.Post, "/auth/logout", endedDevice.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        }

        var libraryOnA = new LibraryClient(replicaA, user.Tokens.AccessToken);
        var libraryOnB = new LibraryClient(replicaB, user.Tokens.AccessToken);
        var kept = await libraryOnA.AddPlaylistAsync("Kept through the flush");
        Assert.Equal([kept.Id], (await libraryOnB.GetPageAsync()).Items.Select(item => item.Id));
        Assert.Equal("Before the flush", await DisplayNameAsync(replicaB, user));

        await FlushEveryPrimaryAsync();

        // The session checks fall back to MongoDB: the live session still works and the ended one stays ended.
        foreach (var replica in new[] { replicaA, replicaB })
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
            Assert.Equal(HttpStatusCode.Unauthorized, await GetStatusAsync(replica, "/users/me", endedDevice.AccessToken));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await RefreshStatusAsync(replicaB, endedDevice.RefreshToken));

        // Caches refill and stay coherent: writes on A still reach B's in-process copies.
        using var patched = await SendAsync(replicaA, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After the flush" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var added = await libraryOnA.AddPlaylistAsync("Added after the flush");
        await Eventually.HoldsAsync(
            async () => await DisplayNameAsync(replicaB, user) == "After the flush"
                && (await libraryOnB.GetPageAsync()).Items.Select(item => item.Id).SequenceEqual([added.Id, kept.Id]),
            CoherenceBound,
            "replica B shows the new display name and both library items");
    }

    /// <summary>FLUSHALL on each primary: the cluster forgets every key on every node.</summary>
    private async Task FlushEveryPrimaryAsync()
    {
        var primaries = RedisServerInfo.ConnectedPrimaries(cluster.Redis);
        Assert.Equal(3, primaries.Count);
        foreach (var primary in primaries)
        {
            await primary.FlushAllDatabasesAsync();
        }
    }

    private static async Task<HttpStatusCode> RefreshStatusAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        return response.StatusCode;
    }
}
