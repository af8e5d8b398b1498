using System.Net;
using System.Net.Http.Json;
using Harmonia.Music;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// Ids are accepted in any letter case, and every spelling of one id is the same entity with the same cache entry:
/// ids reach keys, tags and queries only in their canonical (lower-case) form.
/// </summary>
public sealed class IdSpellingTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AProfileReadThroughAnUpperCaseIdSeesItsUpdate()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(api);
        var shouted = $"/users/{user.Id.ToUpperInvariant()}";
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, shouted, user.Tokens.AccessToken));

        using (await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { bio = "Changed after the read" }))
        {
        }

        using var reread = await GetAsync(api, shouted, user.Tokens.AccessToken);
        var profile = await reread.Content.ReadFromJsonAsync<Dictionary<string, object?>>(CancellationToken);
        Assert.Equal("Changed after the read", profile!["bio"]?.ToString());
        Assert.Equal(user.Id, profile["id"]?.ToString());
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync($"cache:user:{user.Id.ToUpperInvariant()}"));
    }

    [Fact]
    public async Task ADeletedSongIsGoneUnderEverySpellingOfItsId()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song spelled twice", durationSeconds: 1);
        var songId = (await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id))[^1].Job.Result!.SongId;
        var shouted = $"/songs/{songId.ToUpperInvariant()}";
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, shouted, user.Tokens.AccessToken));

        using var deleted = await SendAsync(api, HttpMethod.Delete, $"/songs/{songId}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, shouted, user.Tokens.AccessToken));
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(SongKeys.Song(songId.ToUpperInvariant())));
    }
}
