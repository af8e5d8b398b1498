using System.Net;
using Harmonia.Music;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>Each kind of cached data lands in Redis under the design's key namespace with the design's TTL.</summary>
public sealed class CacheEntryTests(AppHostFixture fixture)
{
    private static readonly TimeSpan WriteBehind = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ProfileIsCachedForAnHour()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, "/users/me", user.Tokens.AccessToken));

        await AssertTimeToLiveAsync($"cache:user:{user.Id}", TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task LibraryPageIsCachedUnderABoundedKeyAndKeptForTheFailSafeHour()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        await new LibraryClient(api, user.Tokens.AccessToken).GetPageAsync("?type=playlist&page=2&pageSize=5");

        // Fresh for 30 minutes (the expiry inside the entry); Redis keeps it an hour so fail-safe can serve it stale.
        await AssertTimeToLiveAsync(LibraryKeys.Page(user.Id, "playlist.5", 2), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task SongIsCachedForAnHour()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var song = await TestData.InsertSongAsync(fixture, user.Id);

        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, $"/songs/{song.Id}", user.Tokens.AccessToken));

        await AssertTimeToLiveAsync(SongKeys.Song(song.Id), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task SessionValidityIsCachedForSevenDays()
    {
        using var api = fixture.CreateApiClient();

        var user = await RegisterAndLoginAsync(api);

        await AssertTimeToLiveAsync($"session:{user.Id}:{user.Tokens.SessionId}", TimeSpan.FromDays(7));
    }

    /// <summary>L2 writes happen in the background, so the key is awaited; its TTL is then within a minute of the design's.</summary>
    private async Task AssertTimeToLiveAsync(string key, TimeSpan expected)
    {
        var redis = fixture.Redis.GetDatabase();
        TimeSpan? ttl = null;
        await Eventually.HoldsAsync(async () => (ttl = await redis.KeyTimeToLiveAsync(key)) is not null, WriteBehind, $"Redis holds {key}");

        Assert.InRange(ttl!.Value, expected - TimeSpan.FromMinutes(1), expected);
    }
}
