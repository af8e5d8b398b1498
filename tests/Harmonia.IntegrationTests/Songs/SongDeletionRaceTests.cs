using System.Net;
using Harmonia.Api.Auth;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Songs;

/// <summary>
/// A song added to the library while it is being deleted leaves no library item behind: every item points at a song
/// that exists. The addition checks the song, then inserts; the deletion removes the song's items, its audio and then
/// its record. Each test holds one of those MongoDB calls while the other request runs, an order two replicas under
/// load allow.
/// </summary>
public sealed class SongDeletionRaceTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// The addition checked the song and its insert lands after the whole deletion. That item used to stay, listed by
    /// <c>GET /library</c> for a song that answers 404 for good.
    /// </summary>
    [Fact]
    public async Task AnItemInsertedAfterItsSongsDeletionIsRemovedAndTheAdditionRefused()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var song = await TestData.InsertSongAsync(fixture, user.Id);

        var release = new TaskCompletionSource();
        var insertHeld = answers.HoldNext(nameof(IMongoCollection<LibraryItemDocument>.InsertOneAsync), release.Task, LibraryStore.Name);
        var added = AddAsync(client, user.Tokens.AccessToken, song.Id);
        await insertHeld;
        var deleted = await DeleteAsync(client, user.Tokens.AccessToken, song.Id);
        release.SetResult();

        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Equal(HttpStatusCode.BadRequest, await added);
        Assert.Empty(await ItemsPointingAtAsync(song.Id));
    }

    /// <summary>
    /// The deletion has removed the song's items and holds the removal of its record; the addition finds the song both
    /// before and after its insert. That item used to stay once the record went.
    /// </summary>
    [Fact]
    public async Task AnItemInsertedBeforeItsSongsRecordIsDeletedGoesWithTheSong()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var song = await TestData.InsertSongAsync(fixture, user.Id);

        var release = new TaskCompletionSource();
        var recordHeld = answers.HoldNext(nameof(IMongoCollection<SongDocument>.DeleteOneAsync), release.Task, SongStore.Name);
        var deleted = DeleteAsync(client, user.Tokens.AccessToken, song.Id);
        await recordHeld;
        var added = await AddAsync(client, user.Tokens.AccessToken, song.Id);
        release.SetResult();

        Assert.Equal(HttpStatusCode.Created, added);
        Assert.Equal(HttpStatusCode.NoContent, await deleted);
        Assert.Empty(await ItemsPointingAtAsync(song.Id));
    }

    /// <summary>An API instance whose MongoDB calls on songs and the library a test can hold.</summary>
    private Task<InProcessHost<AccessTokens>> StartAsync(LostMongoAnswers answers) =>
        InProcessApi.StartAsync(
            fixture,
            services: services =>
            {
                services.AddSingleton(provider => new SongStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>())));
                services.AddSingleton(provider => new LibraryStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>())));
            });

    private static async Task<HttpStatusCode> AddAsync(HttpClient api, string accessToken, string songId)
    {
        using var response = await SendAsync(api, HttpMethod.Post, "/library", accessToken, new { type = "song", songId });
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> DeleteAsync(HttpClient api, string accessToken, string songId)
    {
        using var response = await SendAsync(api, HttpMethod.Delete, $"/songs/{songId}", accessToken);
        return response.StatusCode;
    }

    private async Task<List<LibraryItemDocument>> ItemsPointingAtAsync(string songId) =>
        await new LibraryStore(fixture.Database).Documents.Find(item => item.SongId == songId).ToListAsync(CancellationToken);
}
