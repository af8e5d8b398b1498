using Harmonia.Api.Accounts;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Mail;

public sealed class AccountMailTests
{
    private static readonly AccountMail Mail = new(Options.Create(new AccountsOptions { PublicUrl = "https://harmonia.example/" }));

    private static readonly IssuedCode Issued = new("042917", "tok+en/=", new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TheVerificationMailCarriesTheCodeAndALinkToTheAppsPage()
    {
        var mail = Mail.VerifyEmail("ann+music@example.com", "Ann", Issued);

        Assert.Equal("verify-email", mail.Kind);
        Assert.Contains("042917", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("https://harmonia.example/verify-email?email=ann%2Bmusic%40example.com&token=tok%2Ben%2F%3D", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(Issued.ExpiresAt, mail.ExpiresAt);
    }

    [Fact]
    public void WhatUsersTypedIsEncodedInTheHtmlBody()
    {
        var mail = Mail.ResetPassword("ann@example.com", "<script>alert(1)</script>", Issued);

        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<script>", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAlreadyRegisteredNoticeCarriesNoCodeAndNeverExpires()
    {
        var mail = Mail.AlreadyRegistered("ann@example.com", "Ann");

        Assert.DoesNotMatch(@"\b[0-9]{6}\b", mail.TextBody);
        Assert.Null(mail.ExpiresAt);
    }
}
