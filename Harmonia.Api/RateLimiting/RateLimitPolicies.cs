using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.RateLimiting;

/// <summary>The configured policies, and which one a request falls under.</summary>
public sealed class RateLimitPolicies
{
    public const string SignedInName = "user-route";
    public const string AnonymousName = "ip-route";
    public const string LoginAccountName = "login-account";
    public const string AccountMailName = "account-mail";
    public const string AccountMailDailyName = "account-mail-daily";
    public const string AccountCodeName = "account-code";

    /// <summary>What a request that reached no endpoint (404, 405) counts under, per caller.</summary>
    public const string UnmatchedRoute = "*";

    public static readonly FrozenSet<string> BuiltInNames = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, SignedInName, AnonymousName, LoginAccountName, AccountMailName, AccountMailDailyName, AccountCodeName);

    private readonly FrozenDictionary<string, RateLimitPolicy> _byRoute;

    /// <summary><see cref="RouteOf"/>'s answers: endpoints and their methods are fixed at start, so one string each, built once.</summary>
    private readonly ConcurrentDictionary<(Endpoint Endpoint, string Method), string> _routes = new();

    public RateLimitPolicies(IOptions<RateLimitingOptions> options)
    {
        var settings = options.Value;
        SignedIn = new RateLimitPolicy(SignedInName, settings.SignedIn);
        Anonymous = new RateLimitPolicy(AnonymousName, settings.Anonymous);
        LoginAccount = new RateLimitPolicy(LoginAccountName, settings.LoginAccount);
        AccountMail = new RateLimitPolicy(AccountMailName, settings.AccountMail);
        AccountMailDaily = new RateLimitPolicy(AccountMailDailyName, settings.AccountMailDaily);
        AccountCode = new RateLimitPolicy(AccountCodeName, settings.AccountCode);
        _byRoute = settings.Endpoints.ToFrozenDictionary(
            endpoint => RouteFromSetting(endpoint.Value.Route),
            endpoint => new RateLimitPolicy(endpoint.Key, endpoint.Value),
            StringComparer.OrdinalIgnoreCase);
    }

    public RateLimitPolicy SignedIn { get; }

    public RateLimitPolicy Anonymous { get; }

    public RateLimitPolicy LoginAccount { get; }

    public RateLimitPolicy AccountMail { get; }

    public RateLimitPolicy AccountMailDaily { get; }

    public RateLimitPolicy AccountCode { get; }

    /// <summary>The policy of a route (see <see cref="RouteOf"/>): its endpoint policy, else the caller's default.</summary>
    public RateLimitPolicy For(string route, bool signedIn) =>
        _byRoute.GetValueOrDefault(route) ?? (signedIn ? SignedIn : Anonymous);

    /// <summary>
    /// <c>METHOD:/pattern</c> of the endpoint a request reached: the route pattern, never the raw path, so the
    /// set of counters per caller is bounded by the set of endpoints.
    /// </summary>
    public string RouteOf(Endpoint? endpoint, string requestMethod)
    {
        if (endpoint is not RouteEndpoint { RoutePattern.RawText: { } pattern })
        {
            return UnmatchedRoute;
        }

        // Routing only matches a request to an endpoint declaring its method, so the method adds no unbounded input.
        // HEAD on an endpoint that also answers GET is GET without the body (RFC 9110 §9.3.2) and costs the same
        // work, so it counts as GET: on GET's counter and under GET's endpoint policy, not as a second quota.
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
        var counted = HttpMethods.IsHead(requestMethod) && methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase)
            ? HttpMethods.Get
            : requestMethod;
        var method = "*";
        foreach (var candidate in methods)
        {
            if (string.Equals(candidate, counted, StringComparison.OrdinalIgnoreCase))
            {
                method = candidate;
                break;
            }
        }

        return _routes.GetOrAdd((endpoint, method), static key => $"{key.Method}:{NormalizePattern(((RouteEndpoint)key.Endpoint).RoutePattern.RawText!)}");
    }

    private static string RouteFromSetting(string route)
    {
        var separator = route.IndexOf(' ', StringComparison.Ordinal);
        return $"{route[..separator]}:{NormalizePattern(route[(separator + 1)..])}";
    }

    /// <summary>A group's <c>MapPost("/")</c> and <c>MapPost("")</c> are one endpoint to a client, so trailing slashes don't count.</summary>
    private static string NormalizePattern(string pattern) => $"/{pattern.Trim('/')}";
}
