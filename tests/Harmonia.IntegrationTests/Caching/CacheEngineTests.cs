using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>The guarantees that hold without the backplane, and the alternative engine.</summary>
[Collection(InProcessCollection.Name)]
public sealed class CacheEngineTests(AppHostFixture fixture)
{
    private static readonly TimeSpan ShortLocalExpiration = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task WithoutTheBackplaneAnotherReplicasWriteIsSeenOnceL1Expires()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(replicaA, displayName: "Before");
        // The instance below must take the old profile from Redis, not from MongoDB: a read from MongoDB writes it to
        // Redis in the background, and on a busy machine that write can land after replica A's new one and replace it
        // (docs/caching.md, "Invalidation"). So Redis holds the profile first, and the instance's cold first read may
        // wait for Redis longer than the shipped 500 ms before it would give up and ask MongoDB, which its Redis client's
        // command timeout must allow too.
        await fixture.UntilInRedisAsync($"cache:user:{user.Id}", "replica A's write-through of the new account's profile");
        await using var isolated = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Cache:Backplane"] = "false",
            ["Harmonia:Cache:Areas:profile:LocalExpiration"] = ShortLocalExpiration.ToString(),
            ["Harmonia:Cache:DistributedCacheTimeout"] = "00:00:05",
            ["Harmonia:Redis:CommandTimeout"] = "00:00:05",
            // Repeats must outlast the slowest read, which now includes that Redis wait.
            ["Harmonia:Cache:InvalidationRepeatDelay"] = "00:00:10",
        });
        using var client = isolated.CreateClient();
        Assert.Equal("Before", await DisplayNameAsync(client, user));

        using var patched = await SendAsync(replicaA, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Before", await DisplayNameAsync(client, user));
        // The bound runs from the moment Redis holds the new value (replica A writes it in the background).
        await Eventually.HoldsAsync(
            async () => ((string?)await fixture.Redis.GetDatabase().HashGetAsync($"cache:user:{user.Id}", "data"))?.Contains("\"After\"", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30),
            "replica A's write-through reaches Redis");
        await Eventually.HoldsAsync(
            async () => await DisplayNameAsync(client, user) == "After",
            ShortLocalExpiration + TimeSpan.FromSeconds(1),
            "the instance without a backplane shows the new name once its L1 entry expires");
    }

    [Fact]
    public async Task MicrosoftEngineServesTheSameApi()
    {
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Cache:Engine"] = "Microsoft",
        });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client, displayName: "Hybrid");
        var library = new LibraryClient(client, user.Tokens.AccessToken);

        Assert.Equal("Hybrid", await DisplayNameAsync(client, user));
        Assert.Empty((await library.GetPageAsync()).Items);
        var added = await library.AddPlaylistAsync("Tagged");

        Assert.Equal([added.Id], (await library.GetPageAsync()).Items.Select(item => item.Id));
        await fixture.UntilInRedisAsync($"cache:user:{user.Id}", "Microsoft's engine writes the profile to Redis under the same key");
    }
}
