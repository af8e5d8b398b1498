using System.Net;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A sign-out whose MongoDB write lands but then fails (its answer lost to a timeout after the write was sent: a hung
/// server that resumes, a connection cut on the way back; or an election interrupting it) still ends the session on
/// every replica within the revocation bound, and so does a retry of one whose end is on record but was never
/// announced. Otherwise MongoDB would hold the end while every cache kept the session active, and a retry would find
/// nothing left to end.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class LostAnswerSignOutTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    [Fact]
    public Task ASignOutWhoseAnswerIsLostStillEndsTheSessionOnEveryReplicaWithinOneSecond() =>
        SignOutWhoseWriteFailsAsync(answers => answers.LoseNext(nameof(IMongoCollection<SessionDocument>.UpdateManyAsync)));

    /// <summary>
    /// An election interrupts the revoking write after it landed: a server error, not a lost answer, and a
    /// multi-document update is not retried. When only lost answers announced the end, the session ended in MongoDB
    /// alone, the client got a 500, and its access token kept working on every replica until it expired. The client now
    /// gets a 503 it may retry.
    /// </summary>
    [Fact]
    public Task ASignOutInterruptedByAnElectionAfterItsWriteLandedStillEndsTheSessionOnEveryReplicaWithinOneSecond() =>
        SignOutWhoseWriteFailsAsync(answers => answers.InterruptAfterNext(nameof(IMongoCollection<SessionDocument>.UpdateManyAsync), SessionStore.SessionsName));

    /// <summary>
    /// The session's end is on record but was never announced, as a replica that stopped between the two leaves it.
    /// The retried sign-out finds no session left to end; it still announces the recent end, so the access token is
    /// refused on every replica within the bound rather than working until it expires.
    /// </summary>
    [Fact]
    public async Task ARetriedSignOutAnnouncesAnEndOnRecordThatWasNeverAnnounced()
    {
        using var client = fixture.CreateApiClient();
        var everyReplica = fixture.CreateApiReplicaClients();
        var user = await RegisterAndLoginAsync(client);
        foreach (var replica in everyReplica)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
        }

        var now = DateTime.UtcNow;
        await fixture.Database.GetCollection<SessionDocument>(SessionStore.SessionsName).UpdateOneAsync(
            Builders<SessionDocument>.Filter.Eq(session => session.Id, user.Tokens.SessionId),
            Builders<SessionDocument>.Update.Set(session => session.RevokedAt, now).Set(session => session.RevokedReason, "logout").Set(session => session.ExpiresAt, now),
            cancellationToken: TestContext.Current.CancellationToken);
        using (var retry = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        }

        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, TokenRefusal.DeadlineAfter(RevocationBound), "the session a second after the retried sign-out");
    }

    /// <summary>
    /// The caller hangs up once the revoking write has landed. When its token went on to the write (whose driver then
    /// throws although the write landed) and to the replicas' step after it, MongoDB held the end while every replica
    /// kept the session's state cached as active, and its access tokens passed until they expired.
    /// </summary>
    [Fact]
    public async Task ASignOutWhoseCallerHangsUpStillEndsTheSessionOnEveryReplicaWithinOneSecond()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            services: services => services
                .AddHttpContextAccessor()
                .AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        using var client = instance.CreateClient();
        HttpClient[] everyReplica = [client, .. fixture.CreateApiReplicaClients()];
        var user = await RegisterAndLoginAsync(client);
        foreach (var replica in everyReplica)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
        }

        answers.HangUpDuringNext(nameof(IMongoCollection<SessionDocument>.UpdateManyAsync), HungUpCallers.AbortTheRequest(instance.Services));
        await HungUpCallers.SendAsync(() => SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken));

        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, TokenRefusal.DeadlineAfter(RevocationBound), "the session a second after its sign-out");

        Assert.Equal(1, answers.Lost);
    }

    /// <summary>Signs out through an instance whose revoking write <paramref name="arm"/> makes fail once it has landed.</summary>
    private async Task SignOutWhoseWriteFailsAsync(Action<LostMongoAnswers> arm)
    {
        var answers = new LostMongoAnswers();
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            services: services => services.AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        using var client = instance.CreateClient();
        HttpClient[] everyReplica = [client, .. fixture.CreateApiReplicaClients()];
        var user = await RegisterAndLoginAsync(client);
        foreach (var replica in everyReplica)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
        }

        arm(answers);
        using (var signOut = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signOut.StatusCode);
        }

        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, TokenRefusal.DeadlineAfter(RevocationBound), "the session a second after its sign-out");

        Assert.Equal(1, answers.Lost);
    }
}
