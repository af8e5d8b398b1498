using System.Net.Sockets;

namespace Harmonia.LoadGenerator;

/// <summary>
/// One keep-alive connection of the open loop. Its requests are written when they are due, whether or not the
/// earlier ones were answered (HTTP/1.1 pipelining: the server answers them in order), and its receiver matches each
/// answer to the next request in that order. So the sender never waits for the server, and a request's latency is
/// the server's and the network's, not a client library's queue.
/// </summary>
internal sealed class PipelinedConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _received = new byte[16 * 1024];
    private bool _failed;

    private PipelinedConnection(Socket socket) => _socket = socket;

    public static async Task<PipelinedConnection> OpenAsync(Uri api, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(api.Host, api.Port, cancellationToken);
            return new PipelinedConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a request from the caller's thread; loopback writes return at once unless the server stopped reading.
    /// After a failed write the connection sends nothing more, and its unanswered requests count as failed.
    /// </summary>
    public void Send(byte[] request)
    {
        if (_failed)
        {
            return;
        }

        try
        {
            _socket.Send(request);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            _failed = true;
            _socket.Dispose();
        }
    }

    /// <summary>
    /// Receives the answers to requests <paramref name="first"/>, <paramref name="first"/> + <paramref name="stride"/>,
    /// … below <paramref name="end"/> and hands each to <paramref name="answered"/> with whether it succeeded (2xx).
    /// Ends early, leaving the rest unanswered, when the connection closes or fails.
    /// </summary>
    public async Task ReceiveAsync(long first, int stride, long end, Action<long, bool> answered, CancellationToken cancellationToken)
    {
        var filled = 0;
        var index = first;
        try
        {
            while (index < end)
            {
                var read = await _socket.ReceiveAsync(_received.AsMemory(filled), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var consumed = 0;
                while (index < end && ResponseFraming.TryRead(_received.AsSpan(consumed, filled - consumed), out var length, out var status))
                {
                    answered(index, status is >= 200 and < 300);
                    index += stride;
                    consumed += length;
                }

                // The start of an answer not yet whole moves to the front; a buffer it fills grows.
                _received.AsSpan(consumed, filled - consumed).CopyTo(_received);
                filled -= consumed;
                if (filled == _received.Length)
                {
                    Array.Resize(ref _received, _received.Length * 2);
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException
            || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
        }
    }

    public void Dispose() => _socket.Dispose();
}
