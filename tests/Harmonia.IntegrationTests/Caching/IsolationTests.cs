using System.Net;
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
