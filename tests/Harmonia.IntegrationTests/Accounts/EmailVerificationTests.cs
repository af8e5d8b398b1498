using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Registration, verification codes and links, read from the AppHost's mail server.</summary>
public sealed class EmailVerificationTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegistrationMailsACodeThatVerifiesTheAddressOnce()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();

        await RegisterAsync(api, email);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));
        using var verified = await VerifyAsync(api, new { email, code });
        using var reused = await VerifyAsync(api, new { email, code });

        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.NotNull((await AccountStore.FindAsync(fixture, email))!.EmailVerifiedAt);
    }

    [Fact]
    public async Task TheMailsLinkTokenVerifiesTheAddress()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();

        await RegisterAsync(api, email.ToUpperInvariant());
        var token = Mailbox.TokenIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));
        using var verified = await VerifyAsync(api, new { email, token });

        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
    }

    [Fact]
    public async Task RegistrationAnswersAKnownAddressAsItAnswersANewOneAndMailsItsOwner()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        using var first = await api.PostAsJsonAsync("/auth/register", new { email, password = Password, displayName = "Ann" }, CancellationToken);
        await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification);

        using var again = await api.PostAsJsonAsync(
            "/auth/register", new { email = email.ToUpperInvariant(), password = "another long password", displayName = "Mallory" }, CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(first.StatusCode, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(CancellationToken), await again.Content.ReadAsStringAsync(CancellationToken));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        await mailbox.WaitForAsync(email, Mailbox.Subjects.AlreadyRegistered);
        Assert.Single(await mailbox.ListAsync(email), message => message.Subject.Contains(Mailbox.Subjects.Verification, StringComparison.Ordinal));
        Assert.Equal("Ann", (await AccountStore.FindAsync(fixture, email))!.DisplayName);
        await LoginAsync(api, email);
    }

    [Fact]
    public async Task ANewCodeReplacesTheOldOne()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(api, email);
        var oldCode = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));

        using var resent = await api.PostAsJsonAsync("/auth/email/verify/resend", new { email }, CancellationToken);
        var newCode = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification, count: 2));

        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        Assert.SkipWhen(oldCode == newCode, "The two random codes happened to be equal.");
        using var withOld = await VerifyAsync(api, new { email, code = oldCode });
        using var withNew = await VerifyAsync(api, new { email, code = newCode });
        Assert.Equal(HttpStatusCode.BadRequest, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, withNew.StatusCode);
    }

    [Fact]
    public async Task FiveWrongTriesKillTheCodeButNotTheLink()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(api, email);
        var message = await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification);
        var code = Mailbox.CodeIn(message);
        var wrong = code == "000000" ? "000001" : "000000";

        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var guess = await VerifyAsync(api, new { email, code = wrong });
            Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
        }

        using var right = await VerifyAsync(api, new { email, code });
        using var link = await VerifyAsync(api, new { email, token = Mailbox.TokenIn(message) });

        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, link.StatusCode);
    }

    [Fact]
    public async Task ConcurrentUsesOfOneCodeHaveExactlyOneWinner()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(replicas[0], email);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async index =>
        {
            using var response = await VerifyAsync(replicas[index % replicas.Count], new { email, code });
            return response.StatusCode;
        }));

        Assert.Single(attempts, status => status == HttpStatusCode.NoContent);
        Assert.All(attempts.Where(status => status != HttpStatusCode.NoContent), status => Assert.Equal(HttpStatusCode.BadRequest, status));
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    [Fact]
    public async Task TheAdminRoleWaitsForAVerifiedAddress()
    {
        var adminEmail = NewEmail();
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Auth:AdminEmails:0"] = adminEmail });
        using var api = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();

        var unverified = await RegisterAndLoginAsync(api, email: adminEmail);
        var beforeVerification = await GetStatusAsync(api, "/admin/cache/stats", unverified.Tokens.AccessToken);
        using var verified = await VerifyAsync(api, new { email = adminEmail, code = Mailbox.CodeIn(await mailbox.WaitForAsync(adminEmail, Mailbox.Subjects.Verification)) });
        var signedInAgain = await LoginAsync(api, adminEmail);

        Assert.Equal(HttpStatusCode.Forbidden, beforeVerification);
        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, "/admin/cache/stats", signedInAgain.AccessToken));
    }

    [Fact]
    public async Task CodesForAnAddressWithoutAnAccountFailLikeWrongOnes()
    {
        using var api = fixture.CreateApiClient();

        using var unknown = await VerifyAsync(api, new { email = NewEmail(), code = "123456" });
        using var both = await VerifyAsync(api, new { email = NewEmail(), code = "123456", token = "abc" });
        using var neither = await VerifyAsync(api, new { email = NewEmail() });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("code", await unknown.Content.ReadAsStringAsync(CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
    }

    private static Task<HttpResponseMessage> VerifyAsync(HttpClient api, object body) =>
        api.PostAsJsonAsync("/auth/email/verify", body, CancellationToken);
}
