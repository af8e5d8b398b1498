using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;

namespace Harmonia.Worker.Mail;

/// <summary>What an outbox message records of a failed send (<see cref="Harmonia.Mail.MailMessageDocument.LastError"/>).</summary>
/// <remarks>
/// Codes and type names only, never an exception's message: an SMTP refusal's message is the server's reply, which
/// usually quotes the recipient ("550 5.1.1 &lt;ada@example.com&gt;: Recipient address rejected"), and MailKit passes
/// other replies on as the message of other exceptions (an authentication demand, for one). The address belongs in
/// <c>To</c>, the one field whoever handles personal data knows to look at; a copy inside a diagnostic string is one
/// nobody looks for, and it goes wherever errors are shown. The codes are what an operator acts on: 5.1.1 a bad
/// address, 4.7.1 greylisting, 5.7.x the server's policy.
/// </remarks>
public static partial class MailFailure
{
    /// <summary>For example <c>SMTP 550 5.1.1 (RecipientNotAccepted)</c>, <c>SocketException (ConnectionRefused)</c>, <c>SslHandshakeException</c>.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        SmtpCommandException refusal => EnhancedStatusCode().Match(refusal.Message) is { Success: true } enhanced
            ? $"SMTP {(int)refusal.StatusCode} {enhanced.Value} ({refusal.ErrorCode})"
            : $"SMTP {(int)refusal.StatusCode} ({refusal.ErrorCode})",
        SocketException socket => $"{nameof(SocketException)} ({socket.SocketErrorCode})",
        _ => exception.GetType().Name,
    };

    /// <summary>RFC 3463's <c>class.subject.detail</c>, which servers put first in a reply's text.</summary>
    [GeneratedRegex(@"^[245]\.[0-9]{1,3}\.[0-9]{1,3}(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedStatusCode();
}
