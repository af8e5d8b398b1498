using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A user's active sessions are capped: a sign-in beyond the cap ends the least recently active one, on every replica
/// within the revocation bound. Without it every sign-in added a session for GET /auth/sessions to read and logout-all
/// to end, without end. The cap is kept after the new session is on record, so a sign-in that fails to record it ends
/// nothing. An instance with a cap of 3.
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
            ["Harmonia:Auth:MaxSessionsPerUser"] = Limit.ToString(CultureInfo.InvariantCulture),
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

    /// <summary>When the trim ran first, a sign-in whose insert then failed (MongoDB away) had ended the oldest session and got a 503 all the same.</summary>
    [Fact]
    public async Task ASignInThatFailsToRecordItsSessionEndsNoneOfTheOthers()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await SignedInUpToTheLimitAsync(client);

        answers.FailNext(nameof(IMongoCollection<RefreshTokenDocument>.InsertOneAsync), SessionStore.RefreshTokensName);
        using (var failed = await client.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        Assert.Equal(1, answers.Lost);
        var sessions = await SessionsAsync(client, user.Tokens.AccessToken);
        Assert.Equal(Limit, sessions.Count);
        Assert.Contains(user.Tokens.SessionId, sessions);
    }

    /// <summary>
    /// The session is on record and its tokens work when the trim after it fails; refusing the sign-in then would leave a
    /// session nobody holds, counted as the newest. The user is one over the cap until the next sign-in's trim.
    /// </summary>
    [Fact]
    public async Task ASignInWhoseTrimFailsStillSignsInAndTheNextSignInRestoresTheLimit()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await SignedInUpToTheLimitAsync(client);

        answers.FailNext(nameof(IMongoCollection<SessionDocument>.FindAsync), SessionStore.SessionsName, when: TheTrimsRead);
        var untrimmed = await LoginAsync(client, user.Email);
        var overTheLimit = await SessionsAsync(client, untrimmed.AccessToken);
        var next = await LoginAsync(client, user.Email);
        var trimmed = await SessionsAsync(client, next.AccessToken);

        Assert.Equal(1, answers.Lost);
        Assert.Equal(Limit + 1, overTheLimit.Count);
        Assert.Equal(Limit, trimmed.Count);
        Assert.Contains(untrimmed.SessionId, trimmed);
        Assert.DoesNotContain(user.Tokens.SessionId, trimmed);
    }

    /// <summary>A new user with <see cref="Limit"/> sessions: the next sign-in is one beyond it.</summary>
    private static async Task<SignedInUser> SignedInUpToTheLimitAsync(HttpClient client)
    {
        var user = await RegisterAndLoginAsync(client);
        for (var signIn = 2; signIn <= Limit; signIn++)
        {
            await LoginAsync(client, user.Email);
        }

        return user;
    }

    /// <summary>
    /// The trim's read of the sessions beyond the cap, the only read of sessions that skips some; the instance's
    /// <see cref="RecordedRevocations"/> reads sessions too, through the same store.
    /// </summary>
    private static bool TheTrimsRead(IReadOnlyList<object?> arguments) =>
        arguments.OfType<FindOptions<SessionDocument, SessionDocument>>().Any(options => options.Skip > 0);

    /// <summary>
    /// An instance with the cap whose writes and reads of sessions and refresh tokens can fail. Its revocations are read
    /// from MongoDB ten times a second, the shortest interval allowed, so a fault armed for a sign-in's read that the
    /// background read can take as well fails the test at once: armed for any read of sessions, the trim's fault went to
    /// the background read in some runs at the default 1 s, and in five runs of five at 100 ms.
    /// </summary>
    private Task<InProcessHost<AccessTokens>> StartAsync(LostMongoAnswers answers) =>
        InProcessApi.StartAsync(
            fixture,
            new Dictionary<string, string?>
            {
                ["Harmonia:Auth:MaxSessionsPerUser"] = Limit.ToString(CultureInfo.InvariantCulture),
                ["Harmonia:Auth:RevocationRecordInterval"] = "00:00:00.100",
            },
            services => services.AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));

    private static async Task<List<string>> SessionsAsync(HttpClient client, string accessToken)
    {
        using var listed = await GetAsync(client, "/auth/sessions", accessToken);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var sessions = await listed.Content.ReadFromJsonAsync<List<Session>>(CancellationToken);
        return [.. sessions!.Select(session => session.Id)];
    }

    private sealed record Session(string Id);
}
