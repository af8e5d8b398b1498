using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Harmonia.Caching;
using Harmonia.Music;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A read that missed before a write and stores what it read after the write puts the older value back in the cache
/// (docs/caching.md, "Invalidation"), so every invalidation is made again a few seconds later. The race itself cannot
/// be timed from outside, so the tests make its last step by hand: right after a write they store the value as it
/// was, as such a read would.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class InvalidationRepeatTests(AppHostFixture fixture)
{
    /// <summary>The shipped repeat delay; the older value must be gone within it, plus room for a busy machine.</summary>
    internal static readonly TimeSpan RepeatDelay = new HarmoniaCacheOptions().InvalidationRepeatDelay;

    /// <summary>Waits until this process has repeated one invalidation in <paramref name="area"/>, as <paramref name="invalidations"/> heard it.</summary>
    internal static Task UntilRepeatedAsync(MetricRecorder invalidations, string area, TimeSpan within) =>
        Eventually.HoldsAsync(
            () => Task.FromResult(invalidations.Sum("harmonia.cache.invalidations", ("area", area), ("reason", InvalidationRepeats.Reason)) == 1),
            within,
            $"an invalidation in the {area} area is repeated");

    [Fact]
    public async Task AnOlderProfileStoredAfterAWriteThroughIsGoneWithinTheRepeatDelay()
    {
        await using var instance = await InProcessApi.StartAsync(fixture);
        using var client = instance.CreateClient();
        using var replica = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(client, displayName: "Before");
        var before = await instance.Services.GetRequiredService<ProfileService>().GetAsync(user.Id, TestContext.Current.CancellationToken);
        Assert.Equal("Before", before?.DisplayName);

        using var patched = await SendAsync(client, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await StoreAsALateReadWouldAsync(instance.Services, ProfileKeys.Area, ProfileKeys.Profile(user.Id), before);

        // Without the repeat this would hold until the area's Expiration, on the instance and on every replica.
        Assert.Equal("Before", await DisplayNameAsync(client, user));
        await Eventually.HoldsAsync(
            async () => await DisplayNameAsync(client, user) == "After" && await DisplayNameAsync(replica, user) == "After",
            RepeatDelay + TimeSpan.FromSeconds(5),
            "the repeated invalidation drops the older profile everywhere, and the next reads take the new one from MongoDB");
    }

    /// <summary>
    /// A write-through's repeat expires the entry rather than removing it: a replica that holds the profile keeps it
    /// for fail-safe, so a profile changed just before MongoDB fails is still served there, stale, not a 503.
    /// </summary>
    [Fact]
    public async Task AfterAWriteThroughsRepeatAReplicaThatCannotReachMongoStillServesTheProfileStale()
    {
        // Shorter than shipped, so the test waits less, and still long enough for the cut-off instance to read the
        // changed profile first on a busy machine (the shortest delay the areas' 3 s hard timeout allows is 3.5 s).
        await using var online = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Cache:InvalidationRepeatDelay"] = "00:00:04" });
        await using var cutOff = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["ConnectionStrings:harmonia"] = "mongodb://127.0.0.1:9/harmonia" });
        using var onlineClient = online.CreateClient();
        using var cutOffClient = cutOff.CreateClient();
        var user = await RegisterAndLoginAsync(onlineClient, displayName: "Before");
        await fixture.UntilInRedisAsync(ProfileKeys.Profile(user.Id), "the new profile reaches Redis");
        using var repeats = new MetricRecorder(CacheMetrics.MeterName);

        using var patched = await SendAsync(onlineClient, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await Eventually.HoldsAsync(
            async () => await DisplayNameAsync(cutOffClient, user) == "After",
            TimeSpan.FromSeconds(2),
            "the cut-off instance reads the changed profile from Redis");
        await UntilRepeatedAsync(repeats, ProfileKeys.Area, TimeSpan.FromSeconds(10));

        // The repeat's notice reaches the cut-off instance over the backplane; until then its copy is still fresh.
        string? cacheStatus = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await GetAsync(cutOffClient, $"/users/{user.Id}", user.Tokens.AccessToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var profile = await response.Content.ReadFromJsonAsync<Dictionary<string, object?>>(TestContext.Current.CancellationToken);
                Assert.Equal("After", profile!["displayName"]?.ToString());
                cacheStatus = Assert.Single(response.Headers.GetValues("Cache-Status"));
                return cacheStatus != "Harmonia; hit; detail=memory";
            },
            TimeSpan.FromSeconds(5),
            "the cut-off instance's copy of the profile expires");
        Assert.Equal("Harmonia; fwd=stale; detail=fail-safe", cacheStatus);
    }

    [Fact]
    public async Task AnOlderLibraryPageStoredAfterATagInvalidationIsGoneWithinTheRepeatDelay()
    {
        await using var instance = await InProcessApi.StartAsync(fixture);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var library = new LibraryClient(client, user.Tokens.AccessToken);
        var firstPage = new LibraryQuery(null, null, null);
        var before = await instance.Services.GetRequiredService<LibraryService>().GetPageAsync(user.Id, firstPage, TestContext.Current.CancellationToken);
        Assert.Empty(before.Items);

        var added = await library.AddPlaylistAsync("Added during a read");
        await StoreAsALateReadWouldAsync(
            instance.Services, LibraryKeys.Area, LibraryKeys.Page(user.Id, firstPage.NormalizedFilter, firstPage.PageNumber), before, [LibraryKeys.Tag(user.Id)]);

        Assert.Empty((await library.GetPageAsync()).Items);
        await Eventually.HoldsAsync(
            async () => (await library.GetPageAsync()).Items.Select(item => item.Id).SequenceEqual([added.Id]),
            RepeatDelay + TimeSpan.FromSeconds(5),
            "the repeated tag invalidation drops the older page, and the next read takes the new one from MongoDB");
    }

    /// <summary>The race's last step: the value read before the write is stored with the area's options after it.</summary>
    private static async Task StoreAsALateReadWouldAsync<T>(IServiceProvider services, string area, string key, T value, IEnumerable<string>? tags = null)
    {
        var options = services.GetRequiredService<IOptionsMonitor<CacheAreaOptions>>().Get(area);
        await services.GetRequiredService<HybridCache>().SetAsync(key, value, options.EntryOptions, tags, TestContext.Current.CancellationToken);
    }
}
