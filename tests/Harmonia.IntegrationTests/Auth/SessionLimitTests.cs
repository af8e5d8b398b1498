using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A user's active sessions are capped: a sign-in beyond the cap ends the least recently active one, on every replica
/// within the revocation bound. Without it every sign-in added a session for GET /auth/sessions to read and logout-all
/// to end, without end. An instance with a cap of 3.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class SessionLimitTests(AppHostFixture fixture)
{
    private const int Limit = 3;
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASignInBeyondTheLimitEndsTheLeastRecentlyActiveSession()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Auth:MaxSessionsPerUser"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var client = instance.CreateClient();
        HttpClient[] everyReplica = [client, .. fixture.CreateApiReplicaClients()];
        var user = await RegisterAndLoginAsync(client);
        var newest = user.Tokens;
        for (var signIn = 1; signIn <= Limit; signIn++)
        {
            newest = await LoginAsync(client, user.Email);
        }

        var deadline = TokenRefusal.DeadlineAfter(RevocationBound);

        using var listed = await GetAsync(client, "/auth/sessions", newest.AccessToken);
        var sessions = await listed.Content.ReadFromJsonAsync<List<Session>>(CancellationToken);
        Assert.Equal(Limit, sessions!.Count);
        Assert.DoesNotContain(user.Tokens.SessionId, sessions.Select(session => session.Id));
        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, deadline, "the least recently active session a second after the sign-in beyond the limit");
    }

    private sealed record Session(string Id);
}
