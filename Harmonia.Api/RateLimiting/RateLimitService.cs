using Harmonia.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// Decides whether a request may proceed: against the count every replica shares in Redis (from a lease this
/// replica holds, for busy callers) when Redis answers in time, else in this process alone. Each decision is counted in
/// <see cref="RateLimitMetrics"/> and remembered on the request for its RateLimit header fields (an account policy's only when it refuses).
/// </summary>
public sealed partial class RateLimitService(
    LeasedWindow distributed,
    LocalSlidingWindow local,
    RateLimitPolicies policies,
    RateLimitMetrics metrics,
    IOptions<RateLimitingOptions> options,
    ILogger<RateLimitService> logger)
{
    private readonly string _prefix = options.Value.KeyPrefix;

    /// <summary>1 while decisions are local, so the switch in each direction is logged once, not per request.</summary>
    private int _local;

    /// <summary>
    /// The request's endpoint policy: per user on endpoints that require signing in, per client address on every
    /// other endpoint. Which one is the endpoint's choice, never the caller's: a valid token attached to
    /// <c>/auth/login</c> still counts against the address, so each self-registered account adds no fresh quota.
    /// </summary>
    public ValueTask<RateLimitDecision> DecideForEndpointAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var route = policies.RouteOf(endpoint, context.Request.Method);
        var userId = RequiresSignIn(endpoint) ? context.User.FindUserId() : null;
        var policy = policies.For(route, signedIn: userId is not null);
        var key = userId is null
            ? RateLimitKeys.ForAddress(_prefix, RateLimitKeys.AddressOf(context), policy, route)
            : RateLimitKeys.ForUser(_prefix, userId, policy, route);
        return DecideAsync(context, key, policy);
    }

    /// <summary>
    /// An account policy (<c>login-account</c> unless named) for the account a request targets, wherever the attempts
    /// come from. Only a refusal shows in the response's RateLimit fields: the count is shared by everyone who names the
    /// address, so an admitted request's remaining units and reset would tell any caller, silently and to the second,
    /// that someone (its owner, say) used the address and when. A refusal still has to say when to come back.
    /// </summary>
    public ValueTask<RateLimitDecision> DecideForAccountAsync(HttpContext context, string normalizedAccount, RateLimitPolicy? policy = null)
    {
        policy ??= policies.LoginAccount;
        return DecideAsync(context, RateLimitKeys.ForAccount(_prefix, normalizedAccount, policy), policy, showAdmitted: false);
    }

    /// <summary>
    /// Authentication has run, so on these endpoints a user id is present exactly when the request will be authorized;
    /// requests about to get a 401 there count against their address.
    /// </summary>
    private static bool RequiresSignIn(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;

    private async ValueTask<RateLimitDecision> DecideAsync(HttpContext context, string key, RateLimitPolicy policy, bool showAdmitted = true)
    {
        var decision = await distributed.TryDecideAsync(key, policy) ?? local.Decide(key, policy, distributed.LastKnown(key));
        NoteScope(decision.Distributed);
        metrics.Record(decision);
        if (showAdmitted || !decision.Admitted)
        {
            RateLimitResponse.Remember(context, decision);
        }

        return decision;
    }

    private void NoteScope(bool distributed)
    {
        // Read before writing: every request passes here, and a write on each would bounce the field between cores.
        var scope = distributed ? 0 : 1;
        if (Volatile.Read(ref _local) == scope)
        {
            return;
        }

        var wasLocal = Interlocked.Exchange(ref _local, scope) == 1;
        if (wasLocal == distributed)
        {
            if (distributed)
            {
                LogDistributedAgain(logger);
            }
            else
            {
                LogLocal(logger);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cannot decide rate limits; this replica counts alone, so each quota now applies per replica.")]
    private static partial void LogLocal(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis decides rate limits again; quotas apply across all replicas.")]
    private static partial void LogDistributedAgain(ILogger logger);
}
