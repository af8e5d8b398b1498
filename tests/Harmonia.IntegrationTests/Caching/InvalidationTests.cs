using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>Every write path drops (or rewrites) exactly the cached data it changed, on the replica that wrote.</summary>
public sealed class InvalidationTests(AppHostFixture fixture)
{
    [Fact]
    public async Task ProfileUpdateIsReadBackAtOnce()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        await ReadDisplayNameAsync(api, user);

        using var patched = await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "Renamed", bio = "Line one\nLine two" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Renamed", await ReadDisplayNameAsync(api, user));
        using var publicView = await GetAsync(api, $"/users/{user.Id}", user.Tokens.AccessToken);
        var profile = await publicView.Content.ReadFromJsonAsync<Dictionary<string, object?>>(TestContext.Current.CancellationToken);
        Assert.Equal("Renamed", profile!["displayName"]?.ToString());
        Assert.Equal("Line one\nLine two", profile["bio"]?.ToString());
        Assert.False(profile.ContainsKey("email"));
    }

    [Fact]
    public async Task EmptyStringsClearTheBioAndAvatar()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        using (await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { bio = "Here", avatarUrl = "https://example.com/a.png" }))
        {
        }

        using var cleared = await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { bio = "", avatarUrl = "" });

        var profile = await cleared.Content.ReadFromJsonAsync<Dictionary<string, object?>>(TestContext.Current.CancellationToken);
        Assert.Null(profile!["bio"]);
        Assert.Null(profile["avatarUrl"]);
    }

    [Fact]
    public async Task AddingAnItemDropsEveryPageOfThatLibraryAtOnce()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        Assert.Empty((await library.GetPageAsync()).Items);
        Assert.Empty((await library.GetPageAsync("?type=playlist")).Items);

        var added = await library.AddPlaylistAsync("Road trip");

        Assert.Equal([added.Id], (await library.GetPageAsync()).Items.Select(item => item.Id));
        Assert.Equal([added.Id], (await library.GetPageAsync("?type=playlist")).Items.Select(item => item.Id));
    }

    [Fact]
    public async Task RemovingAnItemDropsItFromEveryPage()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        var kept = await library.AddPlaylistAsync("Kept");
        var removed = await library.AddPlaylistAsync("Removed");
        Assert.Equal(2, (await library.GetPageAsync()).Total);

        Assert.Equal(HttpStatusCode.NoContent, await library.RemoveAsync(removed.Id));

        var page = await library.GetPageAsync();
        Assert.Equal([kept.Id], page.Items.Select(item => item.Id));
        Assert.Equal(1, page.Total);
        Assert.Equal(HttpStatusCode.NotFound, await library.RemoveAsync(removed.Id));
    }

    [Fact]
    public async Task PagesAreNewestFirstAndFilteredByType()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        var song = await TestData.InsertSongAsync(fixture, user.Id, "Seeded");
        var first = await library.AddPlaylistAsync("First");
        var songItem = await library.AddSongAsync(song.Id);
        var third = await library.AddPlaylistAsync("Third");

        var all = await library.GetPageAsync("?pageSize=2");
        var secondPage = await library.GetPageAsync("?pageSize=2&page=2");
        var songs = await library.GetPageAsync("?type=song");

        Assert.Equal([third.Id, songItem.Id], all.Items.Select(item => item.Id));
        Assert.Equal([first.Id], secondPage.Items.Select(item => item.Id));
        Assert.Equal(3, all.Total);
        Assert.Equal(("song", "Seeded", song.Id), (songs.Items.Single().Type, songs.Items.Single().Title, songs.Items.Single().SongId));
    }

    [Fact]
    public async Task DeletingASongDropsItsMetadataAndItsLibraryEntries()
    {
        using var api = ReplicaA();
        var user = await RegisterAndLoginAsync(api);
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        var song = await TestData.InsertSongAsync(fixture, user.Id);
        await library.AddSongAsync(song.Id);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, $"/songs/{song.Id}", user.Tokens.AccessToken));
        Assert.Single((await library.GetPageAsync()).Items);

        using var deleted = await SendAsync(api, HttpMethod.Delete, $"/songs/{song.Id}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, $"/songs/{song.Id}", user.Tokens.AccessToken));
        Assert.Empty((await library.GetPageAsync()).Items);
    }

    private HttpClient ReplicaA() => fixture.CreateApiReplicaClient(0);

    private static async Task<string?> ReadDisplayNameAsync(HttpClient api, SignedInUser user)
    {
        using var response = await GetAsync(api, "/users/me", user.Tokens.AccessToken);
        var profile = await response.Content.ReadFromJsonAsync<Dictionary<string, object?>>(TestContext.Current.CancellationToken);
        return profile!["displayName"]?.ToString();
    }
}
