using System.Net;
using Harmonia.IntegrationTests.Caching;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// Tag invalidation and coherence when Redis is a cluster: a library page's entries and its tag's invalidation time
/// are separate keys on whatever nodes their slots fall on, and the backplane's messages cross nodes. A write on
/// replica A must still change what replica B serves within a second, though B holds the old page in its own L1.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCachingTests(ClusterAppHostFixture cluster)
{
    private static readonly TimeSpan CoherenceBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task LibraryAddAndRemoveOnOneReplicaChangeTheCachedPageOnTheOther()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        var libraryOnA = new LibraryClient(replicaA, user.Tokens.AccessToken);
        var libraryOnB = new LibraryClient(replicaB, user.Tokens.AccessToken);
        Assert.Empty((await libraryOnB.GetPageAsync()).Items);
        Assert.Empty((await libraryOnB.GetPageAsync("?type=playlist")).Items);

        var added = await libraryOnA.AddPlaylistAsync("Seen on every node");

        await Eventually.HoldsAsync(
            async () => (await libraryOnB.GetPageAsync()).Items.Any(item => item.Id == added.Id)
                && (await libraryOnB.GetPageAsync("?type=playlist")).Items.Any(item => item.Id == added.Id),
            CoherenceBound,
            "replica B's cached pages show the new item");

        Assert.Equal(HttpStatusCode.NoContent, await libraryOnA.RemoveAsync(added.Id));

        await Eventually.HoldsAsync(
            async () => (await libraryOnB.GetPageAsync()).Items.Count == 0 && (await libraryOnB.GetPageAsync("?type=playlist")).Items.Count == 0,
            CoherenceBound,
            "replica B's cached pages no longer show the removed item");
    }

    [Fact]
    public async Task SongDeletionOnOneReplicaDropsTheSongAndItsLibraryEntriesOnTheOther()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        var song = await TestData.InsertSongAsync(cluster.Database, user.Id);
        await new LibraryClient(replicaA, user.Tokens.AccessToken).AddSongAsync(song.Id);
        var libraryOnB = new LibraryClient(replicaB, user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaB, $"/songs/{song.Id}", user.Tokens.AccessToken));
        Assert.Single((await libraryOnB.GetPageAsync()).Items);

        using var deleted = await SendAsync(replicaA, HttpMethod.Delete, $"/songs/{song.Id}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(replicaB, $"/songs/{song.Id}", user.Tokens.AccessToken) == HttpStatusCode.NotFound
                && (await libraryOnB.GetPageAsync()).Items.Count == 0,
            CoherenceBound,
            "replica B serves neither the deleted song nor its library entry");
    }
}
