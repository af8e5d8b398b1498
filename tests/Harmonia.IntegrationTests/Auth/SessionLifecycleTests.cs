using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

public sealed class SessionLifecycleTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AccessTokenFromLoginAuthenticatesOnEveryReplica()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        foreach (var replica in fixture.CreateApiReplicaClients())
        {
            using (replica)
            using (var response = await GetAsync(replica, "/auth/sessions", user.Tokens.AccessToken))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
    }

    [Fact]
    public async Task WrongPasswordAndUnknownEmailGetTheSameAnswer()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var wrongPassword = await api.PostAsJsonAsync("/auth/login", new { email = user.Email, password = "not the password at all" }, CancellationToken);
        using var unknownEmail = await api.PostAsJsonAsync("/auth/login", new { email = NewEmail(), password = Password }, CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.StatusCode);
        Assert.Equal(Title(await wrongPassword.Content.ReadAsStringAsync(CancellationToken)), Title(await unknownEmail.Content.ReadAsStringAsync(CancellationToken)));
    }

    [Fact]
    public async Task RefreshIssuesANewPairAndARepeatWithinTheGraceWindowGetsTheSameOne()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        var next = await RefreshAsync(api, user.Tokens.RefreshToken);
        var repeat = await RefreshAsync(api, user.Tokens.RefreshToken);

        Assert.NotEqual(user.Tokens.RefreshToken, next.RefreshToken);
        Assert.Equal(user.Tokens.SessionId, next.SessionId);
        Assert.Equal(next, repeat);
    }

    [Fact]
    public async Task LogoutOnOneReplicaIsEnforcedOnTheOtherWithinOneSecond()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        // Replica B now holds the session as active in its in-process cache.
        using (var warm = await GetAsync(replicaB, "/auth/sessions", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var logout = await SendAsync(replicaA, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(replicaB, "/auth/sessions", user.Tokens.AccessToken) == HttpStatusCode.Unauthorized,
            RevocationBound,
            "replica B rejects the logged-out session's access token");
    }

    [Fact]
    public async Task LogoutAllEndsEverySessionOfTheUser()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var otherDevice = await LoginAsync(api, user.Email);

        using var logoutAll = await SendAsync(api, HttpMethod.Post, "/auth/logout-all", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, logoutAll.StatusCode);
        await AssertRejectedOnEveryReplicaAsync(user.Tokens.AccessToken);
        await AssertRejectedOnEveryReplicaAsync(otherDevice.AccessToken);
    }

    [Fact]
    public async Task SessionsListShowsEachDeviceAndOneCanBeEnded()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var otherDevice = await LoginAsync(api, user.Email);

        using var listed = await GetAsync(api, "/auth/sessions", user.Tokens.AccessToken);
        var sessions = await listed.Content.ReadFromJsonAsync<List<Session>>(CancellationToken);
        using var ended = await SendAsync(api, HttpMethod.Delete, $"/auth/sessions/{otherDevice.SessionId}", user.Tokens.AccessToken);
        using var endedAgain = await SendAsync(api, HttpMethod.Delete, $"/auth/sessions/{otherDevice.SessionId}", user.Tokens.AccessToken);

        Assert.Equal(2, sessions!.Count);
        Assert.True(sessions.Single(session => session.Id == user.Tokens.SessionId).Current);
        Assert.False(sessions.Single(session => session.Id == otherDevice.SessionId).Current);
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, endedAgain.StatusCode);
        await AssertRejectedOnEveryReplicaAsync(otherDevice.AccessToken);
        using var stillSignedIn = await GetAsync(api, "/auth/sessions", user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
    }

    [Fact]
    public async Task UsersCannotEndEachOthersSessions()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var stranger = await RegisterAndLoginAsync(api);

        using var attempt = await SendAsync(api, HttpMethod.Delete, $"/auth/sessions/{owner.Tokens.SessionId}", stranger.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, attempt.StatusCode);
        using var ownerStillSignedIn = await GetAsync(api, "/auth/sessions", owner.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, ownerStillSignedIn.StatusCode);
    }

    [Fact]
    public async Task ChangingThePasswordEndsEveryOtherSession()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var otherDevice = await LoginAsync(api, user.Email);
        const string newPassword = "a different long password";

        using var changed = await SendAsync(api, HttpMethod.Post, "/auth/password", user.Tokens.AccessToken, new { currentPassword = Password, newPassword });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await AssertRejectedOnEveryReplicaAsync(otherDevice.AccessToken);
        using var current = await GetAsync(api, "/auth/sessions", user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        using var oldPassword = await api.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken);
        using var withNewPassword = await api.PostAsJsonAsync("/auth/login", new { email = user.Email, password = newPassword }, CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNewPassword.StatusCode);
    }

    [Fact]
    public async Task WrongCurrentPasswordLeavesThePasswordAlone()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var attempt = await SendAsync(api, HttpMethod.Post, "/auth/password", user.Tokens.AccessToken,
            new { currentPassword = "not the current one", newPassword = "a different long password" });

        Assert.Equal(HttpStatusCode.BadRequest, attempt.StatusCode);
        Assert.Contains("currentPassword", await attempt.Content.ReadAsStringAsync(CancellationToken), StringComparison.OrdinalIgnoreCase);
        await LoginAsync(api, user.Email);
    }

    [Fact]
    public async Task ANewPasswordBuiltFromTheAccountsAddressIsRefusedAndLeavesThePasswordAlone()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var localPart = user.Email.Split('@')[0];

        using var attempt = await SendAsync(api, HttpMethod.Post, "/auth/password", user.Tokens.AccessToken,
            new { currentPassword = Password, newPassword = $"{localPart.ToUpperInvariant()} again!" });

        Assert.Equal(HttpStatusCode.BadRequest, attempt.StatusCode);
        Assert.Contains("newPassword", await attempt.Content.ReadAsStringAsync(CancellationToken), StringComparison.OrdinalIgnoreCase);
        await LoginAsync(api, user.Email);
    }

    private static async Task<Tokens> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Tokens>(CancellationToken))!;
    }

    private async Task AssertRejectedOnEveryReplicaAsync(string accessToken)
    {
        foreach (var replica in fixture.CreateApiReplicaClients())
        {
            using (replica)
            {
                await Eventually.HoldsAsync(
                    async () => await GetStatusAsync(replica, "/auth/sessions", accessToken) == HttpStatusCode.Unauthorized,
                    RevocationBound,
                    $"{replica.BaseAddress} rejects the ended session's access token");
            }
        }
    }

    private static string? Title(string problemJson) =>
        System.Text.Json.JsonDocument.Parse(problemJson).RootElement.GetProperty("title").GetString();

    private sealed record Session(string Id, bool Current);
}
