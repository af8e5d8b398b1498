using StackExchange.Redis;

namespace Harmonia.DataStores;

public static class RedisExceptionExtensions
{
    /// <summary>
    /// Whether Redis could not do what was asked: unreachable, timed out, answered with an error, or the call was
    /// cancelled with no one's token. StackExchange.Redis takes no cancellation token and cancels the calls in flight
    /// on a connection it tears down (<c>TrySetCanceled()</c>, so the exception carries no token), while a caller's
    /// own cancellation (its request aborted, its host stopping) carries the caller's token and stays a cancellation.
    /// Redis may lose anything at any moment, so callers treat this as "Redis is away, fall back", never as a failed
    /// request; a background loop that let such an exception leave its <c>ExecuteAsync</c> would stop the process.
    /// </summary>
    public static bool IsRedisFailure(this Exception exception) =>
        exception is RedisException or TimeoutException or OperationCanceledException { CancellationToken.CanBeCanceled: false };
}
