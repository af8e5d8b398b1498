using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Auth;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A revocation racing the two writers of "active" in the session cache: a refresh of the same session (it caches
/// the session after reading it from MongoDB) and requests that fill the cache on a miss (their MongoDB read can
/// come just before the revocation and their write just after). Whatever the interleaving, every token of the
/// session must be refused on both replicas within a second of the revoking call returning, and stay refused.
/// </summary>
public sealed class RevocationRaceTests(AppHostFixture fixture)
{
    private const int Rounds = 16;
    private const int CacheFillingRequests = 4;
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RevocationRacingRefreshesAndCacheFillsIsFinalOnEveryReplicaWithinOneSecond()
    {
        var replicas = fixture.CreateApiReplicaClients();
        var revokedTokens = new List<string>();

        for (var round = 0; round < Rounds; round++)
        {
            // A user per round, so no round's requests count against another's rate limits.
            var (refresher, revoker) = (replicas[round % 2], replicas[(round + 1) % 2]);
            var user = await RegisterAndLoginAsync(refresher);
            var session = user.Tokens;
            if (round % 4 >= 2)
            {
                // Redis lost the entry: the revoker's replica has none in L1 either, so its requests read MongoDB.
                await fixture.Redis.GetDatabase().KeyDeleteAsync(SessionKeys.Validity(user.Id, session.SessionId));
            }

            var refresh = RefreshAsync(refresher, session.RefreshToken);
            var fills = Enumerable.Range(0, CacheFillingRequests).Select(_ => GetStatusAsync(revoker, "/users/me", session.AccessToken)).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(round % 3), CancellationToken);
            using var logout = await SendAsync(revoker, HttpMethod.Post, "/auth/logout", session.AccessToken);
            var revokedAt = Stopwatch.GetTimestamp();
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
            var tokens = new List<string> { session.AccessToken };
            if (await refresh is { } refreshed)
            {
                tokens.Add(refreshed.AccessToken);
            }

            await Task.WhenAll(fills);
            foreach (var token in tokens)
            {
                await TokenRefusal.RefusedEverywhereByAsync(replicas, token, TokenRefusal.DeadlineAfter(RevocationBound, revokedAt), $"round {round}'s session a second after its logout returned");
            }

            revokedTokens.AddRange(tokens);
        }

        // Final: nothing that ran after a refusal (an L1 entry expiring, a cache fill) brought a session back.
        foreach (var token in revokedTokens)
        {
            foreach (var replica in replicas)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, await GetStatusAsync(replica, "/users/me", token));
            }
        }
    }

    /// <summary>The refreshed pair, or null when the revocation won and the refresh was refused.</summary>
    private static async Task<Tokens?> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<Tokens>(CancellationToken) : null;
    }
}
