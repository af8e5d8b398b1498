using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Users;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A password change or reset whose new password is written but whose answer is lost (the caller gets a 503) has
/// still ended the other sessions. When the sessions ended only after the write, such a failure left the new password
/// in place with a thief's sessions and refresh tokens alive for up to 30 days, and no retry could help: the reset code
/// was spent, and the change's current password no longer matched.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class HalfDonePasswordChangeTests(AppHostFixture fixture)
{
    private const string NewPassword = "a brand new long password";
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APasswordChangeWhoseWriteIsUnansweredHasEndedTheOtherSessions()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var other = await LoginAsync(client, user.Email);

        answers.LoseNext(nameof(IMongoCollection<UserDocument>.UpdateOneAsync), UserStore.Name);
        using (var changed = await SendAsync(client, HttpMethod.Post, "/auth/password", user.Tokens.AccessToken, new { currentPassword = Password, newPassword = NewPassword }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, changed.StatusCode);
        }

        await AssertEndedAsync(client, other, TokenRefusal.DeadlineAfter(RevocationBound));
        Assert.Equal(1, answers.Lost);
    }

    [Fact]
    public async Task AResetWhoseWriteIsUnansweredHasEndedEverySession()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(client);
        var other = await LoginAsync(client, user.Email);
        using (var forgot = await client.PostAsJsonAsync("/auth/password/forgot", new { email = user.Email }, CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        }

        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset));
        answers.LoseNext(nameof(IMongoCollection<UserDocument>.UpdateOneAsync), UserStore.Name);
        using (var reset = await client.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, code, newPassword = NewPassword }, CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, reset.StatusCode);
        }

        var deadline = TokenRefusal.DeadlineAfter(RevocationBound);
        await AssertEndedAsync(client, user.Tokens, deadline);
        await AssertEndedAsync(client, other, deadline);
        Assert.Equal(1, answers.Lost);
    }

    /// <summary>An API instance whose writes to the <c>users</c> collection can lose their answers.</summary>
    private Task<InProcessHost<Harmonia.Api.Auth.AccessTokens>> StartAsync(LostMongoAnswers answers) =>
        InProcessApi.StartAsync(fixture, services: services => services.AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));

    /// <summary>The session's refresh token is refused, and so is its access token on every replica by the revocation bound.</summary>
    private async Task AssertEndedAsync(HttpClient client, Tokens session, long deadline)
    {
        await TokenRefusal.RefusedEverywhereByAsync([client, .. fixture.CreateApiReplicaClients()], session.AccessToken, deadline, "a session the change ended");
        using var refreshed = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = session.RefreshToken }, CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
    }
}
