using System.Net;
using MongoDB.Bson;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>A user only ever sees their own library and songs; anything else is indistinguishable from nothing.</summary>
public sealed class IsolationTests(AppHostFixture fixture)
{
    [Fact]
    public async Task LibrariesAreSeparate()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        var item = await new LibraryClient(api, owner.Tokens.AccessToken).AddPlaylistAsync("Private");

        var strangersLibrary = new LibraryClient(api, stranger.Tokens.AccessToken);

        Assert.Empty((await strangersLibrary.GetPageAsync()).Items);
        Assert.Equal(HttpStatusCode.NotFound, await strangersLibrary.RemoveAsync(item.Id));
        Assert.Single((await new LibraryClient(api, owner.Tokens.AccessToken).GetPageAsync()).Items);
    }

    [Fact]
    public async Task SongsAreVisibleOnlyToTheirOwner()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        var song = await TestData.InsertSongAsync(fixture, owner.Id);
        // The owner's read puts the song in the cache; the stranger must still not get it from there.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, $"/songs/{song.Id}", owner.Tokens.AccessToken));

        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, $"/songs/{song.Id}", stranger.Tokens.AccessToken));
        using var deleteAttempt = await SendAsync(api, HttpMethod.Delete, $"/songs/{song.Id}", stranger.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, deleteAttempt.StatusCode);
        using var addAttempt = await SendAsync(api, HttpMethod.Post, "/library", stranger.Tokens.AccessToken, new { type = "song", songId = song.Id });
        Assert.Equal(HttpStatusCode.BadRequest, addAttempt.StatusCode);
    }

    [Fact]
    public async Task AStrangersReadOfASongSaysNothingOfHowTheCacheServedIt()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var owner = await RegisterAndLoginAsync(replica);
        var stranger = await RegisterAndLoginAsync(replica);
        var song = await TestData.InsertSongAsync(fixture, owner.Id);
        // The owner's read caches the song on this replica, so the stranger's read of it is an L1 hit, and the read of an
        // unknown id a miss: a header saying so would tell the stranger which one exists.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/songs/{song.Id}", owner.Tokens.AccessToken));

        using var someoneElses = await GetAsync(replica, $"/songs/{song.Id}", stranger.Tokens.AccessToken);
        using var unknown = await GetAsync(replica, $"/songs/{ObjectId.GenerateNewId()}", stranger.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, someoneElses.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.False(someoneElses.Headers.Contains("Cache-Status"), "someone else's song answers as if it did not exist");
        Assert.False(unknown.Headers.Contains("Cache-Status"), "an unknown song answers without the header too");
    }

    [Fact]
    public async Task PublicProfileOfAnUnknownUserIsNotFound()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, "/users/000000000000000000000000", user.Tokens.AccessToken));
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, "/users/not-an-id", user.Tokens.AccessToken));
    }

    [Theory]
    [InlineData("/users/me")]
    [InlineData("/library")]
    [InlineData("/songs/000000000000000000000000")]
    public async Task ReadsNeedASignedInUser(string path)
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
