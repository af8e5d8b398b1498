using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>
/// An SMTP server on a loopback port that takes every command but refuses every recipient, quoting the address in its
/// reply as Postfix does: first for now (greylisting, 450), then for good (550). One connection at a time, as the
/// worker's sender keeps one.
/// </summary>
internal sealed class RefusingSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;
    private int _recipients;

    public RefusingSmtpServer()
    {
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The worker's <c>ConnectionStrings:mail</c> for this server.</summary>
    public string ConnectionString => $"Endpoint=smtp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _serving;
        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                await ConverseAsync(client.GetStream());
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException)
            {
                // Stopping, or the sender hung up mid-session (it drops its connection after a failed send).
            }
        }
    }

    private async Task ConverseAsync(NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 refusing.test ESMTP");
        while (await reader.ReadLineAsync(_stopping.Token) is { } command)
        {
            if (command.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase))
            {
                await writer.WriteLineAsync("221 2.0.0 Bye");
                return;
            }

            await writer.WriteLineAsync(command.StartsWith("RCPT TO:", StringComparison.OrdinalIgnoreCase) ? Refusal(command["RCPT TO:".Length..].Trim()) : "250 OK");
        }
    }

    private string Refusal(string recipient) => Interlocked.Increment(ref _recipients) == 1
        ? $"450 4.7.1 {recipient}: Recipient address rejected: Greylisted, try again later"
        : $"550 5.1.1 {recipient}: Recipient address rejected: User unknown in virtual mailbox table";
}
