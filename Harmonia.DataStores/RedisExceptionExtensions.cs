using System.Net.Sockets;
using StackExchange.Redis;

namespace Harmonia.DataStores;

public static class RedisExceptionExtensions
{
    /// <summary>
    /// Whether Redis could not do what was asked: unreachable, timed out, answered with an error, or its connection went
    /// away under the call (<see cref="IsRedisConnectionLoss"/>). Redis may lose anything at any moment, so callers treat
    /// this as "Redis is away, fall back", never as a failed request; a background loop that let such an exception leave
    /// its <c>ExecuteAsync</c> would stop the process.
    /// </summary>
    public static bool IsRedisFailure(this Exception exception) =>
        exception is RedisException or TimeoutException || exception.IsRedisConnectionLoss();

    /// <summary>
    /// Whether a Redis call failed because its connection went away under it. StackExchange.Redis usually says so with a
    /// <see cref="RedisConnectionException"/>. But when it tears down a connection it has already given up (its heartbeat
    /// found the socket silent, say), it fails the calls still awaiting an answer with whatever the teardown produced,
    /// unwrapped: cancelled with no one's token (<c>TrySetCanceled()</c>; it takes no token, so a caller's own
    /// cancellation carries the caller's token and stays a cancellation), or what its read loop hit on the socket (an
    /// I/O error) or on the pipe it had just completed (<c>InvalidOperationException</c>: "Reading is not allowed after
    /// reader was completed"). Only the pipe's own <c>InvalidOperationException</c> counts; any other is a bug.
    /// </summary>
    public static bool IsRedisConnectionLoss(this Exception exception) =>
        exception is RedisConnectionException or IOException or SocketException
            or OperationCanceledException { CancellationToken.CanBeCanceled: false }
            or InvalidOperationException { Source: "System.IO.Pipelines" };
}
