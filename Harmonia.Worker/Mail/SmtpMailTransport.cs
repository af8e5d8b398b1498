using Harmonia.Mail;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Harmonia.Worker.Mail;

/// <summary>
/// Sends messages over one SMTP connection that MailKit keeps open while there is mail to send, and is closed
/// when the queue runs dry or after any failure (the next send reconnects). Used by one sender loop at a time:
/// MailKit's client is not thread-safe.
/// </summary>
public sealed class SmtpMailTransport(SmtpEndpoint endpoint, IOptions<MailDeliveryOptions> options) : IDisposable
{
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.Value.From);
    private SmtpClient? _client;

    public async Task SendAsync(MailMessageDocument message, CancellationToken cancellationToken)
    {
        try
        {
            var client = await ConnectedAsync(cancellationToken);
            await client.SendAsync(Compose(message), cancellationToken);
        }
        catch
        {
            Disconnect();
            throw;
        }
    }

    /// <summary>Closes the connection, politely when it still works.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } client)
        {
            try
            {
                await client.DisconnectAsync(quit: true, cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or MailKit.ProtocolException or OperationCanceledException)
            {
                // The server went away first; nothing is lost by not saying goodbye.
            }
        }

        Disconnect();
    }

    public void Dispose() => Disconnect();

    /// <summary>
    /// A message is either sent or not: SMTP's reply to the end of DATA is the one point where it changes hands.
    /// A connection lost after that reply but before we record it means the message goes again (at least once).
    /// </summary>
    private MimeMessage Compose(MailMessageDocument message)
    {
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Body = body.ToMessageBody(),
            // One id per outbox entry, so a message sent twice (see above) is recognisable as one.
            MessageId = $"{message.Id}@harmonia",
        };
        mime.From.Add(_from);
        mime.To.Add(MailboxAddress.Parse(message.To));
        return mime;
    }

    private async Task<SmtpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } connected)
        {
            return connected;
        }

        Disconnect();
        var client = new SmtpClient();
        _client = client;
        await client.ConnectAsync(endpoint.Host, endpoint.Port, endpoint.Security, cancellationToken);
        if (endpoint.Username is { Length: > 0 } username)
        {
            await client.AuthenticateAsync(username, endpoint.Password ?? "", cancellationToken);
        }

        return client;
    }

    private void Disconnect()
    {
        _client?.Dispose();
        _client = null;
    }
}
