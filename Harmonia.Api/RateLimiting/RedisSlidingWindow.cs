using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The distributed decision: a sliding log per key, read, decided and written by one Lua script, so every
/// replica shares one count, concurrent requests cannot both take the last unit, and no replica's clock
/// matters (the script reads Redis's <c>TIME</c>). Exact: any window of the policy's length holds at most
/// its limit of admitted requests, so there is no double budget at a window edge.
/// </summary>
public sealed partial class RedisSlidingWindow
{
    /// <summary>
    /// The key is a sorted set of admitted requests scored by admission time in microseconds. Members are
    /// the times themselves, made strictly increasing per key (requests in one microsecond, or a clock that
    /// steps back after a failover, move just past the newest) so that no two requests share a member. Every
    /// write sets the expiry in the same script: the key dies when its newest request leaves the window and
    /// can never be left without a TTL. Numbers go through <c>%d</c> because Lua's default formatting would
    /// round microsecond timestamps. Returns { admitted (0/1), remaining, microseconds until the oldest
    /// counted request leaves the window }.
    /// </summary>
    private static readonly LuaScript Script = LuaScript.Prepare(
        """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local window = tonumber(@Window)
        local limit = tonumber(@Limit)
        redis.call('ZREMRANGEBYSCORE', @Key, '-inf', string.format('%d', now - window))
        local used = redis.call('ZCARD', @Key)
        local admitted = 0
        if used < limit then
            local at = now
            local newest = redis.call('ZRANGE', @Key, -1, -1, 'WITHSCORES')
            if newest[2] and tonumber(newest[2]) >= at then
                at = tonumber(newest[2]) + 1
            end
            local stamp = string.format('%d', at)
            redis.call('ZADD', @Key, stamp, stamp)
            redis.call('PEXPIRE', @Key, string.format('%d', math.ceil((at - now + window) / 1000)))
            used = used + 1
            admitted = 1
        end
        local oldest = redis.call('ZRANGE', @Key, 0, 0, 'WITHSCORES')
        return { admitted, math.max(limit - used, 0), tonumber(oldest[2]) + window - now }
        """);

    private readonly IConnectionMultiplexer _redis;
    private readonly ResiliencePipeline _pipeline;

    public RedisSlidingWindow(IConnectionMultiplexer redis, IOptions<RateLimitingOptions> options, TimeProvider timeProvider, ILogger<RedisSlidingWindow> logger)
    {
        _redis = redis;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Half of at least two calls failing within a few timeouts opens the breaker, so even one client
                // calling in sequence stops paying the timeout after two requests. Opening on a blip costs little:
                // decisions are local, and still enforced, until the next probe.
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, 4 * options.Value.RedisTimeout.Ticks)),
                BreakDuration = options.Value.BreakDuration,
                ShouldHandle = static arguments => ValueTask.FromResult(arguments.Outcome.Exception is not null),
                OnOpened = arguments =>
                {
                    LogBreakerOpened(logger, arguments.BreakDuration, arguments.Outcome.Exception);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.Value.RedisTimeout)
            .Build();
    }

    /// <summary>
    /// Decides in Redis, or returns null at once when Redis cannot answer in time (disconnected, timed out,
    /// failing, or the breaker open) and the caller must decide alone. Never throws for a Redis failure.
    /// </summary>
    /// <remarks>
    /// <see cref="LuaScript"/> sends the script once per server with <c>SCRIPT LOAD</c> and then only its SHA
    /// with <c>EVALSHA</c>; after a Redis restart empties the script cache, the NOSCRIPT reply makes it load
    /// the script again. A <see cref="LoadedLuaScript"/> would need a server up at start for no gain.
    /// </remarks>
    public async ValueTask<RateLimitDecision?> TryDecideAsync(string key, RateLimitPolicy policy)
    {
        // The multiplexer notices a closed connection at once; skipping it then costs nothing.
        if (!_redis.IsConnected)
        {
            return null;
        }

        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var arguments = new ScriptArguments(_redis.GetDatabase(), new Parameters(key, policy.Limit, (long)policy.Window.TotalMicroseconds));
            var outcome = await _pipeline.ExecuteOutcomeAsync(EvaluateAsync, context, arguments);
            if (outcome.Exception is not null)
            {
                return null;
            }

            var values = (RedisResult[])outcome.Result!;
            return new RateLimitDecision(
                policy,
                Admitted: (long)values[0] == 1,
                Remaining: (int)(long)values[1],
                ResetAfter: TimeSpan.FromMicroseconds((long)values[2]),
                Distributed: true);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static async ValueTask<Outcome<RedisResult>> EvaluateAsync(ResilienceContext context, ScriptArguments arguments)
    {
        try
        {
            // StackExchange.Redis takes no cancellation token; the timeout strategy's token stops the wait, not the command.
            return Outcome.FromResult(await Script.EvaluateAsync(arguments.Database, arguments.Parameters).WaitAsync(context.CancellationToken));
        }
        catch (Exception exception)
        {
            // Whatever goes wrong with Redis, the request is decided locally rather than failed.
            return Outcome.FromException<RedisResult>(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit decisions stop asking Redis for {BreakDuration} after repeated failures.")]
    private static partial void LogBreakerOpened(ILogger logger, TimeSpan breakDuration, Exception? exception);

    private readonly record struct ScriptArguments(IDatabase Database, Parameters Parameters);

    /// <summary>The script's named parameters; LuaScript sends <see cref="RedisKey"/> members as KEYS, the rest as ARGV.</summary>
    private sealed record Parameters(RedisKey Key, long Limit, long Window);
}
