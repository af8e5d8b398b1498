using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Users;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>
/// A proof of the address that lands while the sweep claims the unverified account for removal is not answered as if
/// the account stayed. The test holds the verification's write until the account is claimed, the order in which the
/// sweep of another replica can come between the request's read of the account and its write.
/// </summary>
public sealed class ProofDuringRemovalTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AVerificationThatLandsWhileTheAccountIsClaimedForRemovalIsRefused()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            services: services => services.AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        using var client = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(client, email);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));

        var release = new TaskCompletionSource();
        var markHeld = answers.HoldNext(nameof(IMongoCollection<UserDocument>.UpdateOneAsync), release.Task, UserStore.Name);
        var verify = client.PostAsJsonAsync("/auth/email/verify", new { email, code }, CancellationToken);
        await markHeld;
        var users = new UserStore(fixture.Database).Documents;
        // What the sweep's claim writes; the removal itself would follow.
        await users.UpdateOneAsync(user => user.Email == email, Builders<UserDocument>.Update.Set(user => user.Removing, true), cancellationToken: CancellationToken);
        release.SetResult();
        using var verified = await verify;

        Assert.Equal(HttpStatusCode.BadRequest, verified.StatusCode);
        var account = await users.Find(user => user.Email == email).SingleAsync(CancellationToken);
        Assert.Null(account.EmailVerifiedAt);
    }
}
