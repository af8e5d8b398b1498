using System.Text;
using Harmonia.LoadGenerator;

namespace Harmonia.Tests.Bench;

/// <summary>
/// The load generator's open loop matches answers to requests by where each response ends, on pipelined
/// connections whose reads split responses anywhere; a response taken a byte too short or too long shifts every
/// later latency on that connection onto the wrong request.
/// </summary>
public sealed class ResponseFramingTests
{
    private const string WithLength = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Type: application/json\r\n\r\nhello";
    private const string Chunked = "HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";

    [Theory]
    [InlineData(WithLength, 200)]
    [InlineData(Chunked, 429)]
    public void AWholeResponseEndsAtItsLastByte(string response, int expectedStatus)
    {
        var bytes = Encoding.ASCII.GetBytes(response + "HTTP/1.1 200 OK\r\n");

        Assert.True(ResponseFraming.TryRead(bytes, out var length, out var status));

        Assert.Equal(response.Length, length);
        Assert.Equal(expectedStatus, status);
    }

    [Theory]
    [InlineData(WithLength)]
    [InlineData(Chunked)]
    public void NoPartOfAResponseIsTakenForAWholeOne(string response)
    {
        var bytes = Encoding.ASCII.GetBytes(response);

        for (var received = 0; received < bytes.Length; received++)
        {
            Assert.False(ResponseFraming.TryRead(bytes.AsSpan(0, received), out _, out _), $"taken as whole after {received} of {bytes.Length} bytes");
        }
    }
}
