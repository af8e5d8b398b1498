using Harmonia.Api.Accounts;
using Harmonia.Api.Users;
using Harmonia.Mail;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Mail;

public sealed class AccountMailTests
{
    private static readonly AccountMail Mail = new(Options.Create(new AccountsOptions { PublicUrl = "https://harmonia.example/" }));

    private static readonly IssuedCode Issued = new("042917", "tok+en/=", new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TheVerificationMailCarriesTheCodeAndALinkToTheAppsPage()
    {
        var mail = Mail.VerifyEmail("ann+music@example.com", Issued);

        Assert.Equal("verify-email", mail.Kind);
        Assert.Contains("042917", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("https://harmonia.example/verify-email?email=ann%2Bmusic%40example.com&token=tok%2Ben%2F%3D", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(Issued.ExpiresAt, mail.ExpiresAt);
    }

    [Fact]
    public void WhatUsersTypedIsEncodedInTheHtmlBody()
    {
        var mail = Mail.ResetPassword(Account("<script>alert(1)</script>", verified: true), Issued);

        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<script>", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAlreadyRegisteredNoticeCarriesNoCodeAndNeverExpires()
    {
        var mail = Mail.AlreadyRegistered(Account("Ann", verified: true));

        Assert.DoesNotMatch(@"\b[0-9]{6}\b", mail.TextBody);
        Assert.Null(mail.ExpiresAt);
    }

    [Fact]
    public void MailsToAnUnprovedAddressCarryNoDisplayName()
    {
        var unverified = Account("Visit evil.example now", verified: false);

        var mails = new[] { Mail.ResetPassword(unverified, Issued), Mail.AlreadyRegistered(unverified) };

        Assert.All(mails, mail => Assert.DoesNotContain("evil.example", mail.TextBody, StringComparison.Ordinal));
        Assert.All(mails, mail => Assert.DoesNotContain("evil.example", mail.HtmlBody, StringComparison.Ordinal));
    }

    [Fact]
    public void MailsToAProvedAddressGreetItsOwnerByName()
    {
        var verified = Account("Ann", verified: true);

        var mails = new[] { Mail.ResetPassword(verified, Issued), Mail.AlreadyRegistered(verified) };

        Assert.All(mails, mail => Assert.StartsWith("Hi Ann,", mail.TextBody, StringComparison.Ordinal));
    }

    [Fact]
    public void OnlyMailToAProvedAddressGoesBeforeOtherMail()
    {
        var (verified, unverified) = (Account("Ann", verified: true), Account("Ann", verified: false));

        var first = new[] { Mail.ResetPassword(verified, Issued), Mail.AlreadyRegistered(verified) };
        var deferred = new[] { Mail.VerifyEmail("ann@example.com", Issued), Mail.ResetPassword(unverified, Issued), Mail.AlreadyRegistered(unverified) };

        Assert.All(first, mail => Assert.Equal(MailPriority.Normal, mail.Priority));
        Assert.All(deferred, mail => Assert.Equal(MailPriority.Deferred, mail.Priority));
    }

    private static UserDocument Account(string displayName, bool verified) => new()
    {
        Email = "ann@example.com",
        NormalizedEmail = "ann@example.com",
        PasswordHash = "not a hash",
        DisplayName = displayName,
        EmailVerifiedAt = verified ? new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc) : null,
    };
}
