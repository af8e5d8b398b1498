using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// Sessions across the two API replicas when Redis is a cluster: the revocations stream lives on one node and the
/// session cache entries on all three, and a logout or a reused refresh token still ends the session everywhere.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSessionTests(ClusterAppHostFixture cluster)
{
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LogoutOnOneReplicaIsEnforcedOnTheOtherWithinOneSecond()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        // Replica B now holds the session as active in its in-process cache.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaB, "/auth/sessions", user.Tokens.AccessToken));

        using var logout = await SendAsync(replicaA, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(replicaB, "/auth/sessions", user.Tokens.AccessToken) == HttpStatusCode.Unauthorized,
            RevocationBound,
            "replica B rejects the logged-out session's access token");
    }

    [Fact]
    public async Task RefreshOnEitherReplicaRotatesTheTokenAndTheNewPairWorksOnBoth()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);

        var first = await RefreshAsync(replicaB, user.Tokens.RefreshToken);
        var second = await RefreshAsync(replicaA, first.Tokens!.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(first.Tokens.RefreshToken, second.Tokens!.RefreshToken);
        Assert.Equal(user.Tokens.SessionId, second.Tokens.SessionId);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaA, "/users/me", second.Tokens.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaB, "/users/me", second.Tokens.AccessToken));
    }

    [Fact]
    public async Task ReusingASpentRefreshTokenAfterTheGraceWindowEndsTheSessionOnBothReplicas()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        var next = (await RefreshAsync(replicaA, user.Tokens.RefreshToken)).Tokens!;
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicaB, "/users/me", next.AccessToken));

        // Within the grace window a repeat gets the same pair; the first repeat after it is reuse.
        await Eventually.HoldsAsync(
            async () => (await RefreshAsync(replicaB, user.Tokens.RefreshToken)).Status == HttpStatusCode.Unauthorized,
            ClusterAppHostFixture.RefreshReuseGrace * 3,
            "replica B refuses the spent refresh token once its grace window has passed");

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(replicaA, next.RefreshToken)).Status);
        foreach (var replica in new[] { replicaA, replicaB })
        {
            await Eventually.HoldsAsync(
                async () => await GetStatusAsync(replica, "/users/me", next.AccessToken) == HttpStatusCode.Unauthorized,
                RevocationBound,
                $"{replica.BaseAddress} rejects the access token of the session that reuse ended");
        }
    }

    private sealed record Pair(string AccessToken, string RefreshToken, string SessionId);

    private sealed record Refreshed(HttpStatusCode Status, Pair? Tokens);

    private static async Task<Refreshed> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        return new Refreshed(
            response.StatusCode,
            response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<Pair>(CancellationToken) : null);
    }
}
