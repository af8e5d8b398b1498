using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>Cached reads say how they were served in a <c>Cache-Status</c> header (RFC 9211).</summary>
public sealed class CacheStatusTests(AppHostFixture fixture)
{
    [Fact]
    public async Task ALibraryPageIsAMissThenAMemoryHitThenARedisHitOnTheOtherReplica()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(replicaA);

        var first = await CacheStatusAsync(replicaA, "/library?page=7", user);
        var second = await CacheStatusAsync(replicaA, "/library?page=7", user);
        await fixture.UntilInRedisAsync($"cache:library:{user.Id}:all.20:7", "the page reaches Redis");
        var third = await CacheStatusAsync(replicaB, "/library?page=7", user);

        Assert.Equal("Harmonia; fwd=miss; stored", first);
        Assert.Equal("Harmonia; hit; detail=memory", second);
        Assert.Equal("Harmonia; hit; detail=redis", third);
    }

    [Fact]
    public async Task ConcurrentReadsOfOneProfileAllSayHowTheyWereServedOneFromRedisTheOthersFromMemory()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(replicaA);
        await fixture.UntilInRedisAsync($"cache:user:{user.Id}", "the profile reaches Redis");

        // At once, on the other replica: one read loads the profile from Redis; the others wait for it (stampede
        // protection) or come after, and are answered from memory. Each says so, including those that waited.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => CacheStatusAsync(replicaB, $"/users/{user.Id}", user)));

        Assert.Equal(1, statuses.Count(status => status == "Harmonia; hit; detail=redis"));
        Assert.Equal(15, statuses.Count(status => status == "Harmonia; hit; detail=memory"));
    }

    /// <summary>On another user's profile a hit would tell that someone (its owner, say) read it within the hour, a miss that nobody did.</summary>
    [Fact]
    public async Task OnlyTheOwnersReadOfAProfileCarriesTheHeader()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);
        Assert.NotNull(await CacheStatusAsync(api, "/users/me", owner));

        Assert.Null(await CacheStatusAsync(api, $"/users/{owner.Id}", stranger));
        Assert.Null(await CacheStatusAsync(api, $"/users/{owner.Id.ToUpperInvariant()}", stranger));
        Assert.NotNull(await CacheStatusAsync(api, $"/users/{owner.Id}", owner));
        Assert.NotNull(await CacheStatusAsync(api, $"/users/{owner.Id.ToUpperInvariant()}", owner));
    }

    [Fact]
    public async Task OnlyCachedReadsCarryTheHeader()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var sessions = await GetAsync(api, "/auth/sessions", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);
        Assert.False(sessions.Headers.Contains("Cache-Status"), "the session check before the handler is not the response's cache read");
    }

    private static async Task<string?> CacheStatusAsync(HttpClient api, string path, SignedInUser user)
    {
        using var response = await GetAsync(api, path, user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("Cache-Status", out var values) ? Assert.Single(values) : null;
    }
}
