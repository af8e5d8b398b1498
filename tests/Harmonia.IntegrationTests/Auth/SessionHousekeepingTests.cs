using System.Net;
using Harmonia.Api.Auth;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// Ended sessions do not pile up in MongoDB: housekeeping deletes them, with their refresh tokens, on a schedule of
/// its own (the MongoDB stand-in has no TTL indexes). An instance sweeping every second with no retention; serial, so
/// its sweeps delete nothing another test is still looking at.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class SessionHousekeepingTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EndedSessionsAreDeletedWithTheirRefreshTokensAndActiveOnesAreKept()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Auth:HousekeepingInterval"] = "00:00:01",
            ["Harmonia:Auth:EndedSessionRetention"] = "00:00:00",
        });
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var ended = await LoginAsync(client, user.Email);

        using (var logout = await SendAsync(client, HttpMethod.Post, "/auth/logout", ended.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        await Eventually.HoldsAsync(
            async () => await SessionsAsync(ended.SessionId) == 0 && await RefreshTokensAsync(ended.SessionId) == 0,
            TimeSpan.FromSeconds(5),
            "the ended session and its refresh token are deleted");
        Assert.Equal(1, await SessionsAsync(user.Tokens.SessionId));
        Assert.Equal(1, await RefreshTokensAsync(user.Tokens.SessionId));
    }

    private Task<long> SessionsAsync(string sessionId) =>
        fixture.Database.GetCollection<SessionDocument>(SessionStore.SessionsName)
            .CountDocumentsAsync(Builders<SessionDocument>.Filter.Eq(session => session.Id, sessionId), cancellationToken: CancellationToken);

    private Task<long> RefreshTokensAsync(string sessionId) =>
        fixture.Database.GetCollection<RefreshTokenDocument>(SessionStore.RefreshTokensName)
            .CountDocumentsAsync(Builders<RefreshTokenDocument>.Filter.Eq(token => token.SessionId, sessionId), cancellationToken: CancellationToken);
}
