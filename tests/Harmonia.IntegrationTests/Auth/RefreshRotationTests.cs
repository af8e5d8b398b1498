using System.Net;
using System.Net.Http.Json;
using System.Text;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// Refresh-token rotation at its edges: concurrent refreshes with one token (two tabs, a retry after a lost response)
/// within the grace window, reuse after it, and the absolute session lifetime. Time passes on a fake clock in an
/// in-process instance; what a revocation there does is checked on the AppHost's two replicas.
/// </summary>
public sealed class RefreshRotationTests(AppHostFixture fixture)
{
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>Several sessions, each exchanging its token several times at once on both replicas; the spend itself is raced in <see cref="RefreshTokenSpendTests"/>.</summary>
    [Fact]
    public async Task ConcurrentRefreshesWithOneTokenOnBothReplicasGetTheSamePair()
    {
        const int Sessions = 4;
        const int ExchangesPerReplica = 3;
        var replicas = fixture.CreateApiReplicaClients();
        var users = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => RegisterAndLoginAsync(replicas[0])));
        var refreshTokens = users.Select(user => user.Tokens.RefreshToken);

        var exchanges = await Task.WhenAll(refreshTokens.Select(refreshToken => Task.WhenAll(
            replicas.SelectMany(replica => Enumerable.Repeat(replica, ExchangesPerReplica)).Select(replica => RefreshAsync(replica, refreshToken)))));

        foreach (var responses in exchanges)
        {
            Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.Status));
            Assert.All(responses, response => Assert.Equal(responses[0].Tokens, response.Tokens));
        }

        var pair = exchanges[0][0].Tokens!;
        foreach (var replica in replicas)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", pair.AccessToken));
        }

        var next = await RefreshAsync(replicas[1], pair.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, next.Status);
    }

    [Fact]
    public async Task TheSealedSuccessorHoldsNoTokenInPlaintext()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        var next = (await RefreshAsync(api, user.Tokens.RefreshToken)).Tokens!;

        var record = await fixture.Database.GetCollection<RefreshTokenDocument>(SessionStore.RefreshTokensName)
            .Find(Builders<RefreshTokenDocument>.Filter.Eq(token => token.Hash, RefreshTokens.Hash(user.Tokens.RefreshToken)))
            .SingleAsync(CancellationToken);
        Assert.NotNull(record.Successor);
        var stored = Encoding.Latin1.GetString(record.Successor);
        Assert.DoesNotContain(next.RefreshToken, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(next.AccessToken[..40], stored, StringComparison.Ordinal);
    }

    /// <summary>
    /// An instance on a moved clock sweeps the shared database for unverified accounts by that clock: at 100 minutes
    /// ahead it claimed an account another test was waiting to see removed, and that test timed out (CI, 2026-12-07).
    /// Its first sweep is a day ahead, beyond any clock these tests move.
    /// </summary>
    private static readonly Dictionary<string, string?> NoSweepWithinTheTest = new() { ["Harmonia:Accounts:RemovalSweepInterval"] = "1.00:00:00" };

    [Fact]
    public async Task ReusingASpentRefreshTokenAfterTheGraceWindowEndsTheWholeSession()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var instance = await InProcessApi.StartAsync(fixture, NoSweepWithinTheTest, services => services.AddSingleton<TimeProvider>(clock));
        using var api = instance.CreateClient();
        var user = await RegisterAndLoginAsync(api);
        var next = (await RefreshAsync(api, user.Tokens.RefreshToken)).Tokens!;

        clock.Advance(DefaultGrace + TimeSpan.FromSeconds(1));
        var reuse = await RefreshAsync(api, user.Tokens.RefreshToken);
        var successorRefresh = await RefreshAsync(api, next.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, successorRefresh.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetStatusAsync(api, "/users/me", next.AccessToken));
        foreach (var replica in fixture.CreateApiReplicaClients())
        {
            await Eventually.HoldsAsync(
                async () => await GetStatusAsync(replica, "/users/me", next.AccessToken) == HttpStatusCode.Unauthorized,
                RevocationBound,
                $"{replica.BaseAddress} rejects the access token of the session that reuse ended");
        }
    }

    [Fact]
    public async Task RefreshFailsOnceTheSessionReachesItsAbsoluteLifetime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            new Dictionary<string, string?>(NoSweepWithinTheTest) { ["Harmonia:Auth:RefreshTokenLifetime"] = "01:00:00", ["Harmonia:Auth:SessionLifetime"] = "02:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        using var api = instance.CreateClient();
        var signedInAt = clock.GetUtcNow();
        var user = await RegisterAndLoginAsync(api);

        clock.Advance(TimeSpan.FromMinutes(50));
        var first = (await RefreshAsync(api, user.Tokens.RefreshToken)).Tokens!;
        clock.Advance(TimeSpan.FromMinutes(50));
        var second = (await RefreshAsync(api, first.RefreshToken)).Tokens!;
        clock.Advance(TimeSpan.FromMinutes(21));
        var tooLate = await RefreshAsync(api, second.RefreshToken);

        Assert.Equal(signedInAt + TimeSpan.FromMinutes(110), first.RefreshTokenExpiresAt, TimeSpan.FromSeconds(5));
        Assert.Equal(signedInAt + TimeSpan.FromHours(2), second.RefreshTokenExpiresAt, TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Unauthorized, tooLate.Status);
    }

    private sealed record Pair(string AccessToken, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, string SessionId);

    private sealed record Refreshed(HttpStatusCode Status, Pair? Tokens);

    private static async Task<Refreshed> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        return new Refreshed(
            response.StatusCode,
            response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<Pair>(CancellationToken) : null);
    }
}
