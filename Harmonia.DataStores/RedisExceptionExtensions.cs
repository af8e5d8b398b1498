using StackExchange.Redis;

namespace Harmonia.DataStores;

public static class RedisExceptionExtensions
{
    /// <summary>
    /// Whether Redis could not do what was asked (unreachable, timed out, or answered with an error). Redis may lose
    /// anything at any moment, so callers treat this as "Redis is away, fall back", never as a failed request.
    /// </summary>
    public static bool IsRedisFailure(this Exception exception) => exception is RedisException or TimeoutException;

    /// <summary>
    /// <see cref="IsRedisFailure(Exception)"/>, or a Redis call cancelled while <paramref name="ownToken"/> was not.
    /// StackExchange.Redis takes no cancellation token, so a cancellation it reports is its own: a connection torn down
    /// under the call. Code awaiting Redis with no token of its own passes <c>default</c>. Background loops need this:
    /// an exception that leaves their <c>ExecuteAsync</c> stops the whole process.
    /// </summary>
    public static bool IsRedisFailureOrCancelledCall(this Exception exception, CancellationToken ownToken) =>
        exception.IsRedisFailure() || (exception is OperationCanceledException && !ownToken.IsCancellationRequested);
}
