using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Observability;

/// <summary>The cache's admin surface: statistics for administrators, and the dashboard's commands.</summary>
public sealed class AdminTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatisticsAreForAdministratorsOnly()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var anonymous = await api.GetAsync("/admin/cache/stats", CancellationToken);
        using var notAdmin = await GetAsync(api, "/admin/cache/stats", user.Tokens.AccessToken);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/admin/cache/stats") { Headers = { { "X-Harmonia-Command-Key", "guess" } } };
        using var guessed = await api.SendAsync(wrongKey, CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);
    }

    [Fact]
    public async Task StatisticsShowHitsPerAreaAndLevelMemoryAndKeysPerNamespace()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var admin = await AdminAsync(fixture, replica);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", admin.Tokens.AccessToken));

        var stats = await StatsAsync(replica, admin);

        var sessions = stats.Areas.Single(area => area.Area == "session");
        Assert.True(sessions.L1Hits > 0);
        Assert.InRange(sessions.HitRatio, 0, 1);
        Assert.Contains(stats.Areas, area => area.Area == "profile" && area.L1Hits + area.L2Hits + area.Misses > 0);
        Assert.True(stats.L1.Entries > 0);
        Assert.True(stats.Redis.UsedMemoryBytes > 0);
        Assert.Equal(512L * 1024 * 1024, stats.Redis.MaxMemoryBytes);
        Assert.True(stats.Redis.KeysByNamespace.GetValueOrDefault("session") > 0);
        Assert.True(stats.Redis.Complete);
    }

    [Fact]
    public async Task ClearCacheCommandMakesTheNextReadAMiss()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var admin = await AdminAsync(fixture, replica);
        var subject = await RegisterAndLoginAsync(replica);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/users/{subject.Id}", admin.Tokens.AccessToken));
        var before = ProfileMisses(await StatsAsync(replica, admin));

        var result = await fixture.ExecuteCommandAsync("api", "clear-cache");

        Assert.True(result.Success, result.Message);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/users/{subject.Id}", admin.Tokens.AccessToken));
        Assert.Equal(before + 1, ProfileMisses(await StatsAsync(replica, admin)));
    }

    [Fact]
    public async Task WarmCacheCommandSucceeds()
    {
        var result = await fixture.ExecuteCommandAsync("api", "warm-cache");

        Assert.True(result.Success, result.Message);
    }

    [Fact]
    public async Task ApiResourceLinksToTheApiReference()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));

        string? referenceUrl = null;
        await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            referenceUrl = update.Resource.Name == "api"
                ? update.Snapshot.Urls.FirstOrDefault(url => url.DisplayProperties.DisplayName == "API reference")?.Url
                : null;
            if (referenceUrl is not null)
            {
                break;
            }
        }

        Assert.EndsWith("/scalar", referenceUrl, StringComparison.Ordinal);
        using var client = new HttpClient();
        using var page = await client.GetAsync(referenceUrl, CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static long ProfileMisses(Stats stats) => stats.Areas.Single(area => area.Area == "profile").Misses;

    private static async Task<Stats> StatsAsync(HttpClient api, SignedInUser admin)
    {
        using var response = await GetAsync(api, "/admin/cache/stats", admin.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Stats>(CancellationToken))!;
    }

    private sealed record Stats(List<AreaStats> Areas, L1Stats L1, RedisStats Redis);

    private sealed record AreaStats(string Area, long L1Hits, long L2Hits, long Misses, double HitRatio);

    private sealed record L1Stats(long Entries, long EstimatedBytes);

    private sealed record RedisStats(long UsedMemoryBytes, long MaxMemoryBytes, Dictionary<string, long> KeysByNamespace, bool Complete);
}
