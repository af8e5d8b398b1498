using System.Net.Sockets;
using Harmonia.Worker.Mail;
using MailKit.Net.Smtp;
using MimeKit;

namespace Harmonia.Tests.Mail;

/// <summary>What a failed send leaves in the outbox: codes an operator acts on, never text that may quote the recipient.</summary>
public sealed class MailFailureTests
{
    [Fact]
    public void ARefusalIsItsStatusAndEnhancedStatusWithoutTheReply() =>
        Assert.Equal(
            "SMTP 550 5.1.1 (RecipientNotAccepted)",
            MailFailure.Describe(new SmtpCommandException(
                SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, MailboxAddress.Parse("ada@example.com"),
                "5.1.1 <ada@example.com>: Recipient address rejected: User unknown")));

    [Fact]
    public void ARefusalWithoutAnEnhancedStatusIsItsStatus() =>
        Assert.Equal(
            "SMTP 554 (MessageNotAccepted)",
            MailFailure.Describe(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "Rejected for ada@example.com")));

    [Fact]
    public void AConnectionFailureIsItsSocketError() =>
        Assert.Equal("SocketException (ConnectionRefused)", MailFailure.Describe(new SocketException((int)SocketError.ConnectionRefused)));

    [Fact]
    public void AnyOtherFailureIsItsTypeNeverItsMessage() =>
        Assert.Equal("InvalidOperationException", MailFailure.Describe(new InvalidOperationException("ada@example.com")));
}
