using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The distributed count: a sliding log per key in Redis, read, decided and written by one Lua script, so every
/// replica shares one count, concurrent requests cannot both take the last unit, and no replica's clock
/// matters (the script reads Redis's <c>TIME</c>). Besides deciding one request, the script can lease a
/// replica a share of what the window has left, so that a busy caller's requests are admitted in memory
/// (<see cref="LeasedWindow"/>); docs/rate-limiting.md gives the argument that any window of the policy's
/// length still admits at most its limit.
/// </summary>
public sealed partial class RedisSlidingWindow
{
    /// <summary>
    /// Three keys of one caller, on one slot: the log, a sorted set of admitted units scored by the time in
    /// microseconds from which they count, each member holding a number of units (<c>…#units</c>: one for a request
    /// decided here, all a lease admitted for a settled lease); its tally, the units the log holds, so counting is one
    /// read however many members there are; and the leases, a sorted set of <c>id|units</c> scored by the lease's
    /// deadline. A unit taken from a lease counts from the moment its lease is settled, or from the deadline if it
    /// never is (the holder died): never before it could have been used. A call first settles the caller's previous
    /// lease (its used units enter the log now, as one member, the rest return), turns leases past their deadline
    /// into log entries at their deadline, forgets what left the window, then admits the request if a unit is free
    /// and, if so, leases at most <c>want</c> more, never more than half of what is free per holder and none once
    /// less than half the limit is free, so near the limit every request is decided here alone. A call with
    /// <c>admit</c> 0 decides no request and only leases (a replica renewing ahead of need). Every write sets the
    /// key's expiry in the same script, and the tally always expires with its log, so no key is left without a TTL.
    /// Either may still be evicted alone (<c>volatile-lru</c>): a tally without its log is dropped, and a log without
    /// its tally is counted member by member once. Numbers go through <c>%d</c> because Lua's default formatting
    /// would round microsecond timestamps. Returns { admitted (0/1), units free for anyone, microseconds until the
    /// oldest logged unit leaves the window (the window if none), units leased }.
    /// </summary>
    private static readonly LuaScript Script = LuaScript.Prepare(
        """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local window = tonumber(@Window)
        local limit = tonumber(@Limit)
        local function units(member, mark)
            return tonumber(string.match(member, mark .. '(%d+)$'))
        end
        local function loggedIn(members)
            local sum = 0
            for _, member in ipairs(members) do
                sum = sum + units(member, '#')
            end
            return sum
        end
        local logged = 0
        if redis.call('EXISTS', @Key) == 1 then
            logged = tonumber(redis.call('GET', @Tally)) or loggedIn(redis.call('ZRANGE', @Key, 0, -1))
        end
        local function log(at, member, count)
            if count > 0 then
                logged = logged + count * redis.call('ZADD', @Key, 'NX', string.format('%d', at), member .. '#' .. count)
                redis.call('PEXPIRE', @Key, math.ceil(window / 1000))
            end
        end
        if @Settle ~= '' and redis.call('ZREM', @Leases, @Settle) == 1 then
            log(now, @Settle, tonumber(@SettleUsed))
        end
        local ended = redis.call('ZRANGEBYSCORE', @Leases, '-inf', string.format('%d', now), 'WITHSCORES')
        for i = 1, #ended, 2 do
            log(tonumber(ended[i + 1]), ended[i], units(ended[i], '|'))
        end
        redis.call('ZREMRANGEBYSCORE', @Leases, '-inf', string.format('%d', now))
        local left = redis.call('ZRANGEBYSCORE', @Key, '-inf', string.format('%d', now - window))
        if #left > 0 then
            logged = logged - loggedIn(left)
            redis.call('ZREMRANGEBYSCORE', @Key, '-inf', string.format('%d', now - window))
        end
        local free = limit - logged
        local live = redis.call('ZRANGE', @Leases, 0, -1)
        for i = 1, #live do
            free = free - units(live[i], '|')
        end
        local admitted = 0
        local leased = 0
        if @Admit == '1' and free >= 1 then
            log(now, @Id, 1)
            free = free - 1
            admitted = 1
        end
        if (admitted == 1 or @Admit == '0') and free * 2 >= limit then
            leased = math.min(tonumber(@Want), math.floor(free / (2 * (#live + 1))))
        end
        if leased > 0 then
            local duration = tonumber(@Duration)
            redis.call('ZADD', @Leases, string.format('%d', now + duration), @Id .. '|' .. leased)
            redis.call('PEXPIRE', @Leases, math.ceil((duration + window) / 1000))
            free = free - leased
        end
        local expiry = redis.call('PTTL', @Key)
        if logged > 0 and expiry > 0 then
            redis.call('SET', @Tally, string.format('%d', logged), 'PX', expiry)
        else
            redis.call('DEL', @Tally)
        end
        local oldest = redis.call('ZRANGE', @Key, 0, 0, 'WITHSCORES')
        local reset = window
        if oldest[2] then
            reset = tonumber(oldest[2]) + window - now
        end
        return { admitted, free, reset, leased }
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
    /// Decides one request in Redis and leases up to <paramref name="exchange"/>'s <c>Want</c> more units, or
    /// returns null at once when Redis cannot answer in time (disconnected, timed out, failing, or the breaker
    /// open) and the caller must decide alone. Never throws for a Redis failure.
    /// </summary>
    /// <remarks>
    /// <see cref="LuaScript"/> sends the script once per server with <c>SCRIPT LOAD</c> and then only its SHA
    /// with <c>EVALSHA</c>; after a Redis restart empties the script cache, the NOSCRIPT reply makes it load
    /// the script again. A <see cref="LoadedLuaScript"/> would need a server up at start for no gain.
    /// </remarks>
    public async ValueTask<LeaseGrant?> TryDecideAsync(string key, RateLimitPolicy policy, LeaseExchange exchange)
    {
        // The multiplexer notices a closed connection at once; skipping it then costs nothing.
        if (!_redis.IsConnected)
        {
            return null;
        }

        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var parameters = new Parameters(
                key, RateLimitKeys.TallyOf(key), RateLimitKeys.LeasesOf(key), policy.Limit, (long)policy.Window.TotalMicroseconds,
                exchange.Id, exchange.Settle ?? "", exchange.SettleUsed, exchange.Want, (long)exchange.Duration.TotalMicroseconds, exchange.Admit ? 1 : 0);
            var outcome = await _pipeline.ExecuteOutcomeAsync(EvaluateAsync, context, new ScriptArguments(_redis.GetDatabase(), parameters));
            if (outcome.Exception is not null)
            {
                return null;
            }

            var values = (RedisResult[])outcome.Result!;
            var leased = (int)(long)values[3];
            var decision = new RateLimitDecision(
                policy,
                Admitted: (long)values[0] == 1,
                Remaining: (int)(long)values[1] + leased,
                ResetAfter: TimeSpan.FromMicroseconds((long)values[2]),
                Distributed: true);
            return new LeaseGrant(decision, leased, leased > 0 ? $"{exchange.Id}|{leased}" : null);
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
    private sealed record Parameters(
        RedisKey Key, RedisKey Tally, RedisKey Leases, long Limit, long Window, string Id, string Settle, long SettleUsed, long Want, long Duration, int Admit);
}

/// <summary>What a replica sends with a decision: a fresh id for the request and any lease, the lease it settles, and how many units it wants.</summary>
/// <param name="Id">Unique per call: names the request's log entry and the lease granted with it.</param>
/// <param name="Settle">The replica's previous lease on this key (<c>id|units</c>), or null.</param>
/// <param name="SettleUsed">How many units of <paramref name="Settle"/> were admitted.</param>
/// <param name="Want">How many units to lease beyond this request; 0 decides the request alone.</param>
/// <param name="Duration">How long the lease is valid, from Redis's clock.</param>
/// <param name="Admit">False for a renewal ahead of need: no request is decided, only units leased.</param>
public readonly record struct LeaseExchange(string Id, string? Settle, int SettleUsed, int Want, TimeSpan Duration, bool Admit = true);

/// <summary>Redis's answer: the request's decision, and the units leased to this replica (<paramref name="Lease"/> names them for settling).</summary>
/// <param name="Decision">Its <c>Remaining</c> counts the leased units as this replica's to admit.</param>
public readonly record struct LeaseGrant(RateLimitDecision Decision, int Leased, string? Lease);
