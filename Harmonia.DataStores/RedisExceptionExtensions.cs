using StackExchange.Redis;

namespace Harmonia.DataStores;

public static class RedisExceptionExtensions
{
    /// <summary>
    /// Whether Redis could not do what was asked (unreachable, timed out, or answered with an error). Redis may lose
    /// anything at any moment, so callers treat this as "Redis is away, fall back", never as a failed request.
    /// </summary>
    public static bool IsRedisFailure(this Exception exception) => exception is RedisException or TimeoutException;
}
