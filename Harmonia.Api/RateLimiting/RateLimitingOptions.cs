using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The <c>Harmonia:RateLimiting</c> section: the quotas every replica enforces together through Redis, and
/// how quickly a replica gives up on Redis and counts alone.
/// </summary>
public sealed partial class RateLimitingOptions : IValidatableObject
{
    public const string SectionName = "Harmonia:RateLimiting";

    /// <summary>The first segment of every rate-limit key in Redis; instances with different prefixes keep separate counts.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._:-]+$")]
    public string KeyPrefix { get; set; } = "rate";

    /// <summary>
    /// How long a decision waits for Redis before this replica decides alone; a healthy Redis answers in well under a
    /// millisecond. At most the Redis client's command timeout (<see cref="RedisTimeoutValidation"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Once Redis keeps failing, how long replicas count alone before trying it again, so a dead Redis adds no latency.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a replica may admit a busy caller's requests from units leased from Redis before asking again.
    /// Longer saves round trips; units a crashed replica held come back at most this much after the window.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:10")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Policy <c>user-route</c>: each signed-in user on each endpoint.</summary>
    [Required]
    public RateLimitQuota SignedIn { get; set; } = new() { Limit = 100, Window = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// Policy <c>ip-route</c>: each client address on each endpoint, for callers who are not signed in. Generous,
    /// because everyone behind one NAT shares an address.
    /// </summary>
    [Required]
    public RateLimitQuota Anonymous { get; set; } = new() { Limit = 120, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Policy <c>login-account</c>: sign-in attempts on one account from anywhere, against guessing spread over many addresses.</summary>
    [Required]
    public RateLimitQuota LoginAccount { get; set; } = new() { Limit = 5, Window = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// Policy <c>account-mail</c>: requests that mail one account's address (registration, resent verification,
    /// forgotten password) from anywhere, so nobody can flood an inbox through Harmonia.
    /// </summary>
    [Required]
    public RateLimitQuota AccountMail { get; set; } = new() { Limit = 3, Window = TimeSpan.FromMinutes(15) };

    /// <summary>
    /// Policy <c>account-mail-daily</c>: the same requests over a day, counted after <c>account-mail</c> admits, because
    /// 3 per 15 minutes alone still lets anyone have one address mailed 288 times a day.
    /// </summary>
    [Required]
    public RateLimitQuota AccountMailDaily { get; set; } = new() { Limit = 10, Window = TimeSpan.FromDays(1) };

    /// <summary>
    /// Policy <c>account-code</c>: attempts at one account's one-time codes (verify, reset) from anywhere, on top
    /// of each code's own limit of wrong tries, so guessing cannot go on by asking for new codes.
    /// </summary>
    [Required]
    public RateLimitQuota AccountCode { get; set; } = new() { Limit = 10, Window = TimeSpan.FromMinutes(15) };

    /// <summary>
    /// Endpoint policies by name. Each replaces <c>user-route</c> or <c>ip-route</c> on the endpoint its
    /// <see cref="EndpointQuota.Route"/> names, counting per signed-in user or else per client address.
    /// A policy for an endpoint that is not mapped (yet) is simply never used.
    /// </summary>
    [Required]
    public Dictionary<string, EndpointQuota> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["login"] = new() { Route = "POST /auth/login", Limit = 20, Window = TimeSpan.FromMinutes(1) },
        // One mail per registration, like resend and forgot; the per-account quota cannot stop one address mailing
        // many addresses once each.
        ["register"] = new() { Route = "POST /auth/register", Limit = 10, Window = TimeSpan.FromMinutes(1) },
        ["jobs-create"] = new() { Route = "POST /jobs", Limit = 10, Window = TimeSpan.FromMinutes(1) },
        ["email-verify"] = new() { Route = "POST /auth/email/verify", Limit = 20, Window = TimeSpan.FromMinutes(1) },
        ["email-resend"] = new() { Route = "POST /auth/email/verify/resend", Limit = 10, Window = TimeSpan.FromMinutes(1) },
        ["password-forgot"] = new() { Route = "POST /auth/password/forgot", Limit = 10, Window = TimeSpan.FromMinutes(1) },
        ["password-reset"] = new() { Route = "POST /auth/password/reset", Limit = 20, Window = TimeSpan.FromMinutes(1) },
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var quotas = new List<(string Name, RateLimitQuota Quota)>
        {
            (nameof(SignedIn), SignedIn),
            (nameof(Anonymous), Anonymous),
            (nameof(LoginAccount), LoginAccount),
            (nameof(AccountMail), AccountMail),
            (nameof(AccountMailDaily), AccountMailDaily),
            (nameof(AccountCode), AccountCode),
        };
        quotas.AddRange(Endpoints.Select(endpoint => ($"{nameof(Endpoints)}:{endpoint.Key}", (RateLimitQuota)endpoint.Value)));

        foreach (var (name, quota) in quotas)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(quota, new ValidationContext(quota), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"{name}: {result.ErrorMessage}", [name]);
                }
            }
        }

        foreach (var name in Endpoints.Keys)
        {
            // The name is sent to clients as a Structured Field string and becomes part of Redis keys.
            if (!PolicyName().IsMatch(name) || RateLimitPolicies.BuiltInNames.Contains(name))
            {
                yield return new ValidationResult(
                    $"Endpoint policy '{name}' needs a lowercase name of letters, digits and dashes that is not one of {string.Join(", ", RateLimitPolicies.BuiltInNames)}.",
                    [nameof(Endpoints)]);
            }
        }

        foreach (var route in Endpoints.Values.GroupBy(endpoint => endpoint.Route, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1))
        {
            yield return new ValidationResult($"Two endpoint policies name the route '{route.Key}'.", [nameof(Endpoints)]);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex PolicyName();
}

/// <summary>A quota: at most <see cref="Limit"/> requests in any <see cref="Window"/>.</summary>
public class RateLimitQuota : IValidatableObject
{
    /// <summary>How many requests any window of <see cref="Window"/> admits.</summary>
    [Range(1, 1_000_000)]
    public int Limit { get; set; }

    /// <summary>The length of the sliding window; whole seconds, because RateLimit-Policy states it in seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Window.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ValidationResult("The window must be a whole number of seconds.", [nameof(Window)]);
        }
    }
}

/// <summary>A quota for one endpoint.</summary>
public sealed class EndpointQuota : RateLimitQuota
{
    /// <summary>
    /// <c>METHOD /pattern</c> as the endpoint is mapped, e.g. <c>POST /jobs</c>: a route pattern, not a path, so
    /// <c>GET /users/{id}</c> is one endpoint whatever the id.
    /// </summary>
    [Required, RegularExpression(@"^[A-Z]+ /\S*$")]
    public string Route { get; set; } = "";
}
