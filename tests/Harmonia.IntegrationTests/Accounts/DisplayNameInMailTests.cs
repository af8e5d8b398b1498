using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>
/// Anyone may register anyone's address with a display name of their choosing, so mails to an address its owner has
/// not proved never carry one: else Harmonia's own sender would deliver the registrant's text to a stranger.
/// </summary>
public sealed class DisplayNameInMailTests(AppHostFixture fixture)
{
    private const string Lure = "Visit evil.example now";

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheVerificationMailCarriesNoDisplayName()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();

        await RegisterAsync(api, email, Lure);
        var mail = await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification);

        await AssertCarriesNoLureAsync(mailbox, mail);
    }

    [Fact]
    public async Task AResetMailToAnUnverifiedAddressCarriesNoDisplayName()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(api, email, Lure);

        await ForgotAsync(api, email);
        var mail = await mailbox.WaitForAsync(email, Mailbox.Subjects.Reset);

        await AssertCarriesNoLureAsync(mailbox, mail);
    }

    [Fact]
    public async Task TheAlreadyRegisteredNoticeToAnUnverifiedAddressCarriesNeitherRegistrantsName()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(api, email, Lure);

        await RegisterAsync(api, email, "Or call evil.example");
        var mail = await mailbox.WaitForAsync(email, Mailbox.Subjects.AlreadyRegistered);

        await AssertCarriesNoLureAsync(mailbox, mail);
    }

    [Fact]
    public async Task AResetMailToAVerifiedAddressGreetsItsOwnerByName()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterVerifiedAsync(api, mailbox);

        await ForgotAsync(api, user.Email);
        var mail = await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset);

        Assert.Contains("Hi Test user,", mail.Text, StringComparison.Ordinal);
    }

    private static async Task ForgotAsync(HttpClient api, string email)
    {
        using var forgot = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
    }

    private static async Task AssertCarriesNoLureAsync(Mailbox mailbox, Mailbox.Message mail)
    {
        Assert.DoesNotContain("evil.example", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", await mailbox.HtmlOfAsync(mail), StringComparison.Ordinal);
    }
}
