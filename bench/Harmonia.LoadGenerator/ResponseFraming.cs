using System.Buffers.Text;
using System.Text;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Where one HTTP/1.1 response ends in the bytes a connection received, and its status: just enough of the protocol
/// to count the answers the open loop's requests get on a keep-alive connection (a body framed by <c>Content-Length</c> or chunked, no
/// trailers, no interim responses). Kestrel sends both framings: chunked when the body was flushed while written.
/// </summary>
internal static class ResponseFraming
{
    private static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>False until <paramref name="received"/> holds a whole response; then its length and status code.</summary>
    public static bool TryRead(ReadOnlySpan<byte> received, out int length, out int status)
    {
        length = 0;
        status = 0;
        var headerEnd = received.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            return false;
        }

        // "HTTP/1.1 200 OK": the code is the three digits after the first space.
        var head = received[..headerEnd];
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out status, out _))
        {
            throw new InvalidDataException("Not an HTTP/1.1 status line.");
        }

        var bodyStart = headerEnd + HeaderEnd.Length;
        var (contentLength, chunked) = Framing(head);
        if (chunked)
        {
            return TryReadChunks(received, bodyStart, out length);
        }

        length = bodyStart + contentLength;
        return received.Length >= length;
    }

    private static (int ContentLength, bool Chunked) Framing(ReadOnlySpan<byte> head)
    {
        var contentLength = 0;
        var chunked = false;
        foreach (var range in head.Split(LineEnd))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon < 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8) && !Utf8Parser.TryParse(value, out contentLength, out _))
            {
                throw new InvalidDataException("A Content-Length that is not a number.");
            }

            chunked |= Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) && Ascii.EqualsIgnoreCase(value, "chunked"u8);
        }

        return (contentLength, chunked);
    }

    /// <summary>Chunks of <c>size\r\ndata\r\n</c>, ended by a chunk of size 0 and an empty line.</summary>
    private static bool TryReadChunks(ReadOnlySpan<byte> received, int position, out int length)
    {
        length = 0;
        while (true)
        {
            var sizeLineEnd = received[position..].IndexOf(LineEnd);
            if (sizeLineEnd < 0)
            {
                return false;
            }

            if (!Utf8Parser.TryParse(received.Slice(position, sizeLineEnd), out int size, out _, 'x'))
            {
                throw new InvalidDataException("A chunk size that is not a hexadecimal number.");
            }

            position += sizeLineEnd + LineEnd.Length + size + LineEnd.Length;
            if (received.Length < position)
            {
                return false;
            }

            if (size == 0)
            {
                length = position;
                return true;
            }
        }
    }
}
