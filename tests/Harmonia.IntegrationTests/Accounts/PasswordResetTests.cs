using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Harmonia.Api.Accounts;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Forgot password, the reset code in the mail, and what a reset does to sessions.</summary>
public sealed class PasswordResetTests(AppHostFixture fixture)
{
    private const string NewPassword = "a brand new long password";
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AResetSetsThePasswordAndEndsEverySessionOnEveryReplica()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(replicaA);
        var otherDevice = await LoginAsync(replicaB, user.Email);

        using var forgot = await replicaB.PostAsJsonAsync("/auth/password/forgot", new { email = user.Email }, CancellationToken);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset));
        using var reset = await replicaA.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, code, newPassword = NewPassword }, CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        foreach (var token in new[] { user.Tokens.AccessToken, otherDevice.AccessToken })
        {
            foreach (var replica in replicas)
            {
                await Eventually.HoldsAsync(
                    async () => await GetStatusAsync(replica, "/auth/sessions", token) == HttpStatusCode.Unauthorized,
                    RevocationBound,
                    $"{replica.BaseAddress} refuses a session that the reset ended");
            }
        }

        using var oldPassword = await replicaA.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken);
        using var newPassword = await replicaA.PostAsJsonAsync("/auth/login", new { email = user.Email, password = NewPassword }, CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
        // The code came to the address, so the reset proved it too.
        Assert.NotNull((await AccountStore.FindAsync(fixture, user.Email))!.EmailVerifiedAt);
    }

    [Fact]
    public async Task TheLinkTokenResetsThePasswordOnce()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(api);

        await ForgotAsync(api, user.Email);
        var token = Mailbox.TokenIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset));
        using var reset = await api.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, token, newPassword = NewPassword }, CancellationToken);
        using var again = await api.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, token, newPassword = "yet another long password" }, CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task ForgotAnswersAnUnknownAddressAsItAnswersAKnownOneAndMailsNobody()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(api);
        var stranger = NewEmail();

        using var known = await api.PostAsJsonAsync("/auth/password/forgot", new { email = user.Email }, CancellationToken);
        using var unknown = await api.PostAsJsonAsync("/auth/password/forgot", new { email = stranger }, CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(CancellationToken), await unknown.Content.ReadAsStringAsync(CancellationToken));
        await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset);
        Assert.Empty(await mailbox.ListAsync(stranger));
    }

    [Fact]
    public async Task AnExpiredCodeNoLongerResets()
    {
        // Long enough for the mail to go out on a busy machine (a message whose code has expired is not sent).
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Accounts:ResetCodeLifetime"] = "00:00:05" });
        using var api = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(api);
        await ForgotAsync(api, user.Email);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset));
        var key = TempKeys.Code(CodePurpose.ResetPassword, user.Id);

        await Eventually.HoldsAsync(async () => !await fixture.Redis.GetDatabase().KeyExistsAsync(key), TimeSpan.FromSeconds(10), "the reset code expires");
        using var reset = await api.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, code, newPassword = NewPassword }, CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, reset.StatusCode);
        await LoginAsync(api, user.Email);
    }

    [Fact]
    public async Task RedisHoldsOnlyKeyedHashesOfTheCodeWithItsLifetime()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(api);

        await ForgotAsync(api, user.Email);
        var message = await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset);
        var key = TempKeys.Code(CodePurpose.ResetPassword, user.Id);
        var stored = await fixture.Redis.GetDatabase().HashGetAllAsync(key);
        var ttl = await fixture.Redis.GetDatabase().KeyTimeToLiveAsync(key);

        var values = stored.Select(entry => entry.Value.ToString()).ToList();
        var code = Mailbox.CodeIn(message);
        var token = Mailbox.TokenIn(message);
        Assert.StartsWith("temp:reset-password:{", key, StringComparison.Ordinal);
        Assert.DoesNotContain(values, value => value.Contains(code, StringComparison.Ordinal) || value.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(code))), values);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task AFlushedCodeMeansAskingForANewOne()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterAndLoginAsync(api);
        await ForgotAsync(api, user.Email);
        var lost = Mailbox.CodeIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset));

        // What a Redis restart or eviction does to this one key.
        await fixture.Redis.GetDatabase().KeyDeleteAsync(TempKeys.Code(CodePurpose.ResetPassword, user.Id));
        using var withLost = await api.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, code = lost, newPassword = NewPassword }, CancellationToken);
        await ForgotAsync(api, user.Email);
        var fresh = Mailbox.CodeIn(await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset, count: 2));
        using var withFresh = await api.PostAsJsonAsync("/auth/password/reset", new { email = user.Email, code = fresh, newPassword = NewPassword }, CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, withLost.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, withFresh.StatusCode);
    }

    private static async Task ForgotAsync(HttpClient api, string email)
    {
        using var response = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
