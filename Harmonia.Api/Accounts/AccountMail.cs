using System.Text.Encodings.Web;
using Harmonia.Api.Users;
using Harmonia.Mail;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Accounts;

/// <summary>
/// The account mails, each as plain text and HTML. Links point at the app's pages (<see cref="AccountsOptions.PublicUrl"/>),
/// never at the API: mail scanners open links, so a link must lead to a page that asks before it posts the token.
/// A mail greets by display name only an address its owner has proved: anyone can register anyone's address with a
/// name of their choosing, and "Hi URGENT: call …" from Harmonia's own sender would be their text in a stranger's inbox.
/// </summary>
public sealed class AccountMail(IOptions<AccountsOptions> options)
{
    public const string VerifyEmailKind = "verify-email";
    public const string AlreadyRegisteredKind = "already-registered";
    public const string ResetPasswordKind = "reset-password";

    private const string AnonymousGreeting = "Hello,";

    private string PublicUrl => options.Value.PublicUrl.TrimEnd('/');

    /// <summary>Goes to an address nobody has proved yet, so it greets nobody by name.</summary>
    public OutgoingMail VerifyEmail(string to, IssuedCode issued) => Compose(
        VerifyEmailKind,
        to,
        $"Your Harmonia verification code: {issued.Code}",
        AnonymousGreeting,
        $"Enter {issued.Code} in Harmonia to confirm this address, or open the link below. Both work once, until {issued.ExpiresAt:u}.",
        ("Confirm my address", Link("verify-email", to, issued.Token)),
        "If you did not create a Harmonia account, ignore this mail and nobody can use the address with Harmonia; the account is removed unless it is confirmed.",
        issued.ExpiresAt,
        MailPriority.Deferred);

    /// <summary>To the holder of <paramref name="existing"/>'s address; never carries what the new registrant typed.</summary>
    public OutgoingMail AlreadyRegistered(UserDocument existing) => Compose(
        AlreadyRegisteredKind,
        existing.Email,
        "Someone tried to sign up with your address",
        Greeting(existing),
        "Someone, perhaps you, tried to create a Harmonia account with this address, which already has one. Nothing about your account changed.",
        ("Reset my password", $"{PublicUrl}/forgot-password?email={Uri.EscapeDataString(existing.Email)}"),
        $"If it was you, sign in at {PublicUrl}/sign-in, or reset your password if you forgot it. If it was not, you need not do anything.",
        expiresAt: null,
        PriorityFor(existing));

    public OutgoingMail ResetPassword(UserDocument user, IssuedCode issued) => Compose(
        ResetPasswordKind,
        user.Email,
        $"Your Harmonia password reset code: {issued.Code}",
        Greeting(user),
        $"Enter {issued.Code} in Harmonia to choose a new password, or open the link below. Both work once, until {issued.ExpiresAt:u}. Resetting signs you out everywhere.",
        ("Choose a new password", Link("reset-password", user.Email, issued.Token)),
        "If you did not ask for this, ignore this mail; your password stays as it is.",
        issued.ExpiresAt,
        PriorityFor(user));

    private static string Greeting(UserDocument user) =>
        user.EmailVerifiedAt is null ? AnonymousGreeting : $"Hi {user.DisplayName},";

    /// <summary>
    /// Mail to a proved address goes before mail to unproved ones. Not by kind: anyone can register a fresh address
    /// and then ask for its reset, so only a proved address marks mail a real user is waiting for.
    /// </summary>
    private static MailPriority PriorityFor(UserDocument user) =>
        user.EmailVerifiedAt is null ? MailPriority.Deferred : MailPriority.Normal;

    private string Link(string page, string email, string token) =>
        $"{PublicUrl}/{page}?email={Uri.EscapeDataString(email)}&token={Uri.EscapeDataString(token)}";

    private static OutgoingMail Compose(
        string kind,
        string to,
        string subject,
        string greeting,
        string body,
        (string Text, string Url) action,
        string footer,
        DateTimeOffset? expiresAt,
        MailPriority priority)
    {
        var text = $"{greeting}\n\n{body}\n\n{action.Text}: {action.Url}\n\n{footer}\n\nHarmonia\n";
        var html = HtmlEncoder.Default;
        var htmlBody = $"""
            <!DOCTYPE html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>{html.Encode(greeting)}</p>
            <p>{html.Encode(body)}</p>
            <p><a href="{html.Encode(action.Url)}">{html.Encode(action.Text)}</a></p>
            <p style="color: #666">{html.Encode(footer)}</p>
            <p>Harmonia</p>
            </body></html>
            """;
        return new OutgoingMail(kind, to, subject, text, htmlBody, expiresAt, priority);
    }
}
