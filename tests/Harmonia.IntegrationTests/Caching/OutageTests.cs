using System.Net;
using Aspire.Hosting.ApplicationModel;
using Harmonia.IntegrationTests.Auth;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>Either store can disappear; the API keeps answering, and only what truly needs the lost store fails, with a 503.</summary>
[Collection(InProcessCollection.Name)]
public sealed class OutageTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WithRedisStoppedReadsAndWritesStillSucceedAndCachingResumesAfterwards()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        await library.AddPlaylistAsync("Before the outage");
        var cancellationToken = TestContext.Current.CancellationToken;

        await fixture.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand);
        try
        {
            await fixture.App.ResourceNotifications.WaitForResourceAsync("redis", KnownResourceStates.TerminalStates, cancellationToken);

            foreach (var replica in fixture.CreateApiReplicaClients())
            {
                using (replica)
                {
                    Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
                    Assert.Single((await new LibraryClient(replica, user.Tokens.AccessToken).GetPageAsync()).Items);
                }
            }

            using var renamed = await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "During the outage" });
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
            var newcomer = await RegisterAndLoginAsync(api);
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, "/users/me", newcomer.Tokens.AccessToken));
        }
        finally
        {
            await fixture.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cancellationToken);
        }

        var afterwards = await RegisterAndLoginAsync(api);
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(api, $"/users/{afterwards.Id}", afterwards.Tokens.AccessToken) == HttpStatusCode.OK
                && await fixture.Redis.GetDatabase().KeyExistsAsync($"cache:user:{afterwards.Id}"),
            RecoveryBound,
            "profiles are cached in Redis again once it is back");
    }

    [Fact]
    public async Task WithMongoUnreachableCachedReadsAnswerAndWritesAreUnavailable()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(replica);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
        var redis = fixture.Redis.GetDatabase();
        await Eventually.HoldsAsync(
            async () => await redis.KeyExistsAsync($"cache:user:{user.Id}") && await redis.KeyExistsAsync($"session:{user.Id}:{user.Tokens.SessionId}"),
            TimeSpan.FromSeconds(5),
            "the profile and the session reach Redis");

        // An instance whose MongoDB is gone (nothing listens on port 9) but whose Redis still holds what others cached.
        await using var cutOff = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["ConnectionStrings:harmonia"] = "mongodb://127.0.0.1:9/harmonia",
        });
        using var client = cutOff.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
        using var write = await SendAsync(client, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "Lost write" });
        await BadInputTests.AssertProblemAsync(write, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(write.Headers.RetryAfter);
        using var uncachedRead = await GetAsync(client, "/library", user.Tokens.AccessToken);
        await BadInputTests.AssertProblemAsync(uncachedRead, HttpStatusCode.ServiceUnavailable);
    }
}
