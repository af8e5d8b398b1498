using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A write on replica A is visible on replica B within a second, although B holds the old value in its own L1
/// (whose TTL is far longer): the backplane evicts it.
/// </summary>
public sealed class CoherenceTests(AppHostFixture fixture)
{
    [Fact]
    public async Task ProfileUpdateOnOneReplicaIsSeenOnTheOther()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        await CoherenceScenarios.ProfileUpdateIsSeenOnTheOtherReplicaAsync(replicaA, replicaB);
    }

    [Fact]
    public async Task LibraryChangeOnOneReplicaIsSeenOnTheOther()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        var libraryOnB = new LibraryClient(replicaB, user.Tokens.AccessToken);
        Assert.Empty((await libraryOnB.GetPageAsync()).Items);

        var added = await new LibraryClient(replicaA, user.Tokens.AccessToken).AddPlaylistAsync("Seen everywhere");

        await Eventually.HoldsAsync(
            async () => (await libraryOnB.GetPageAsync()).Items.Any(item => item.Id == added.Id),
            CoherenceScenarios.Bound,
            "replica B's library page shows the new item");
    }

    [Fact]
    public async Task SongDeletionOnOneReplicaIsSeenOnTheOther()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        var song = await TestData.InsertSongAsync(fixture, user.Id);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaB, $"/songs/{song.Id}", user.Tokens.AccessToken));

        using var deleted = await SendAsync(replicaA, HttpMethod.Delete, $"/songs/{song.Id}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(replicaB, $"/songs/{song.Id}", user.Tokens.AccessToken) == HttpStatusCode.NotFound,
            CoherenceScenarios.Bound,
            "replica B no longer serves the deleted song");
    }
}
