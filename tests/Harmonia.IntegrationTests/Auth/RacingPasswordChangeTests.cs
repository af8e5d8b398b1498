using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Auth;
using Harmonia.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A sign-in or a password change that checked the old password while another change wrote a new one gains nothing
/// from it: neither the old password back, nor a session, nor a password of its own. Each test holds one of the racing
/// request's MongoDB writes until the change has answered, an order a slow password hash (a tenth of a second, longer
/// on a busy replica) allows.
/// </summary>
public sealed class RacingPasswordChangeTests(AppHostFixture fixture)
{
    private const string NewPassword = "a brand new long password";
    private const string ThiefsPassword = "a thief's own long password";

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// The sign-in upgrades a hash made with fewer iterations than today's, and the change writes its new hash between
    /// the sign-in's read and that upgrade. When the upgrade replaced whatever hash was stored, it put back a hash of
    /// the old password: the old password worked again, after its owner changed it.
    /// </summary>
    [Fact]
    public async Task AnUpgradeOfTheOldPasswordsHashLeavesAPasswordChangedMeanwhileInPlace()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        await StoreHashWithFewerIterationsAsync(user.Id);

        var release = new TaskCompletionSource();
        var upgradeHeld = answers.HoldNext(nameof(IMongoCollection<UserDocument>.UpdateOneAsync), release.Task, UserStore.Name);
        var signIn = SignInAsync(client, user.Email, Password);
        await upgradeHeld;
        var changed = await ChangePasswordAsync(client, user.Tokens.AccessToken);
        release.SetResult();

        var signedIn = await signIn;

        Assert.Equal(HttpStatusCode.NoContent, changed);
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, user.Email, NewPassword));
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, user.Email, Password));
        Assert.Equal(HttpStatusCode.Unauthorized, signedIn);
    }

    /// <summary>
    /// Two sign-ins with the right password read the same hash made with fewer iterations than today's, and the first
    /// one's upgrade is held until the second has upgraded it. The first's conditional upgrade then found another hash
    /// on record and was refused as for a wrong password, although the password was right.
    /// </summary>
    [Fact]
    public async Task TwoSignInsUpgradingTheSameHashAtOnceBothSucceed()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        await StoreHashWithFewerIterationsAsync(user.Id);

        var release = new TaskCompletionSource();
        var upgradeHeld = answers.HoldNext(nameof(IMongoCollection<UserDocument>.UpdateOneAsync), release.Task, UserStore.Name);
        var first = SignInAsync(client, user.Email, Password);
        await upgradeHeld;
        var second = await SignInAsync(client, user.Email, Password);
        release.SetResult();

        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(HttpStatusCode.OK, await first);
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, user.Email, Password));
    }

    /// <summary>
    /// The sign-in read the old hash before the change wrote the new one, and records its session after the change has
    /// ended the user's sessions the second time. That session used to stay active, made with a password its owner had
    /// just replaced (perhaps to lock a thief out).
    /// </summary>
    [Fact]
    public async Task ASignInWhoseSessionIsRecordedAfterAChangeOfThePasswordItCheckedIsRefused()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var release = new TaskCompletionSource();
        var recordHeld = answers.HoldNext(nameof(IMongoCollection<SessionDocument>.InsertOneAsync), release.Task, SessionStore.SessionsName);
        var signIn = SignInAsync(client, user.Email, Password);
        await recordHeld;
        var changed = await ChangePasswordAsync(client, user.Tokens.AccessToken);
        release.SetResult();

        Assert.Equal(HttpStatusCode.NoContent, changed);
        Assert.Equal(HttpStatusCode.Unauthorized, await signIn);
        using var listed = await GetAsync(client, "/auth/sessions", user.Tokens.AccessToken);
        var sessions = await listed.Content.ReadFromJsonAsync<List<Session>>(CancellationToken);
        Assert.Equal([user.Tokens.SessionId], sessions!.Select(session => session.Id));
    }

    /// <summary>
    /// A thief who knows the old password starts a change of their own; it checks the old password, and before it
    /// writes, the owner changes the password (a reset is the same write without the check). The thief's write used to
    /// land anyway, replacing the owner's new password with the thief's, whose sessions the owner's change had just ended.
    /// </summary>
    [Fact]
    public async Task AChangeWhoseCheckedPasswordWasReplacedBeforeItsWriteChangesNothing()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var owner = await RegisterAndLoginAsync(client);
        var thief = await LoginAsync(client, owner.Email);

        // The thief's change has checked the old password and holds at its first step, ending the owner's sessions.
        var release = new TaskCompletionSource();
        var endingsHeld = answers.HoldNext(nameof(IMongoCollection<SessionDocument>.UpdateManyAsync), release.Task, SessionStore.SessionsName);
        var thiefsChange = ChangePasswordAsync(client, thief.AccessToken, ThiefsPassword);
        await endingsHeld;
        var ownersChange = await ChangePasswordAsync(client, owner.Tokens.AccessToken, NewPassword);
        release.SetResult();

        Assert.Equal(HttpStatusCode.NoContent, ownersChange);
        Assert.Equal(HttpStatusCode.BadRequest, await thiefsChange);
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, owner.Email, ThiefsPassword));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, owner.Email, NewPassword));
    }

    private sealed record Session(string Id);

    /// <summary>
    /// An API instance whose MongoDB calls on users and sessions a test can hold. The held sign-in keeps its permit to
    /// hash, so the change needs a second one; and one account checks its password more often than the shipped
    /// <c>login-account</c> quota allows in a minute.
    /// </summary>
    private Task<InProcessHost<AccessTokens>> StartAsync(LostMongoAnswers answers) =>
        InProcessApi.StartAsync(
            fixture,
            new Dictionary<string, string?>
            {
                ["Harmonia:Auth:MaxConcurrentPasswordHashes"] = "2",
                ["Harmonia:RateLimiting:LoginAccount:Limit"] = "1000000",
            },
            services =>
            {
                services.AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>())));
                services.AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>())));
            });

    /// <summary>Stores a hash of the test password made with 10,000 iterations (Identity's count before .NET 7), which a sign-in upgrades.</summary>
    private async Task StoreHashWithFewerIterationsAsync(string userId)
    {
        var hasher = new PasswordHasher<UserDocument>(Options.Create(new PasswordHasherOptions { IterationCount = 10_000 }));
        var stored = await new UserStore(fixture.Database).Documents.UpdateOneAsync(
            user => user.Id == userId,
            Builders<UserDocument>.Update.Set(user => user.PasswordHash, hasher.HashPassword(null!, Password)),
            cancellationToken: CancellationToken);
        Assert.Equal(1, stored.ModifiedCount);
    }

    private static async Task<HttpStatusCode> SignInAsync(HttpClient api, string email, string password)
    {
        using var response = await api.PostAsJsonAsync("/auth/login", new { email, password }, CancellationToken);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> ChangePasswordAsync(HttpClient api, string accessToken, string newPassword = NewPassword)
    {
        using var response = await SendAsync(api, HttpMethod.Post, "/auth/password", accessToken, new { currentPassword = Password, newPassword });
        return response.StatusCode;
    }
}
