using System.Net;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A sign-out whose MongoDB write lands but whose answer is lost (a timeout after the write was sent: a hung server
/// that resumes, a connection cut on the way back) answers 503, and the session still ends on every replica within
/// the revocation bound. Otherwise MongoDB would hold the end while every cache kept the session active, and a retry
/// would find nothing left to end.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class LostAnswerSignOutTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ASignOutWhoseAnswerIsLostStillEndsTheSessionOnEveryReplicaWithinOneSecond()
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

        answers.LoseNext(nameof(IMongoCollection<SessionDocument>.UpdateManyAsync));
        using (var signOut = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signOut.StatusCode);
        }

        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, TokenRefusal.DeadlineAfter(RevocationBound), "the session a second after its sign-out");

        Assert.Equal(1, answers.Lost);
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
}
