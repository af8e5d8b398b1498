using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

[Collection(InProcessCollection.Name)]
public sealed class SessionCacheTests(AppHostFixture fixture)
{
    /// <summary>
    /// The longest the instance's read of recorded revocations may wait between rounds: the only finds on
    /// <c>sessions</c> left, one a round whatever the requests, so at most one falls within the thousand requests.
    /// </summary>
    private static readonly TimeSpan RevocationRecordInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AuthenticatedRequestsAfterWarmUpNeverReadSessionsFromMongo()
    {
        await using var api = await InProcessApi.StartAsync(
            fixture, new Dictionary<string, string?> { ["Harmonia:Auth:RevocationRecordInterval"] = RevocationRecordInterval.ToString() });
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));

        using var metrics = new MetricRecorder("Harmonia.MongoDB");
        var started = Stopwatch.GetTimestamp();
        for (var request = 0; request < 1_000; request++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
        }

        var revocationRounds = (long)(Stopwatch.GetElapsedTime(started) / RevocationRecordInterval) + 1;
        Assert.InRange(MongoCommands(metrics, "sessions", "find"), 0, revocationRounds);
        Assert.Equal(0, MongoCommands(metrics, "users", "find"));

        // The recorder does hear this process's commands: a profile write is one findAndModify.
        using var patched = await SendAsync(client, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { bio = "Counting" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(1, MongoCommands(metrics, "users", "findAndModify"));
    }

    /// <summary>How many commands the services in this process sent to a collection, from their own duration histogram.</summary>
    internal static long MongoCommands(MetricRecorder metrics, string collection, string operation) =>
        metrics.Count("db.client.operation.duration", ("db.collection.name", collection), ("db.operation.name", operation));

    [Fact]
    public async Task FlushingRedisSignsNobodyOut()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        await FlushRedisAsync();

        foreach (var replica in fixture.CreateApiReplicaClients())
        {
            using (replica)
            {
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
            }
        }

        // A fresh instance has nothing in L1 and now nothing in Redis: it must fall back to MongoDB.
        await using var coldInstance = await InProcessApi.StartAsync(fixture);
        using var cold = coldInstance.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(cold, "/users/me", user.Tokens.AccessToken));
        var refreshed = await RefreshAsync(cold, user.Tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(cold, "/users/me", refreshed));
    }

    private async Task FlushRedisAsync()
    {
        foreach (var server in fixture.Redis.GetServers())
        {
            await server.FlushAllDatabasesAsync();
        }
    }

    private static async Task<string> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<Tokens>(TestContext.Current.CancellationToken);
        return tokens!.AccessToken;
    }
}
