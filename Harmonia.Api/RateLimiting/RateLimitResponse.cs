using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// What a limited response tells the client, per draft-ietf-httpapi-ratelimit-headers-11: every response under
/// a policy, admitted or not, carries <c>RateLimit-Policy</c> (the quotas) and <c>RateLimit</c> (what is left
/// of each and for how long), except that an account policy shows only when it refuses (see
/// <see cref="RateLimitService.DecideForAccountAsync"/>); a rejection is a 429 quota-exceeded problem with <c>Retry-After</c>.
/// </summary>
public static class RateLimitResponse
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string StateHeader = "RateLimit";
    public const string QuotaExceededType = "https://iana.org/assignments/http-problem-types#quota-exceeded";
    public const string ViolatedPoliciesMember = "violated-policies";

    /// <summary>
    /// Adds a decision to the request's header fields. They are written when the response starts, so they
    /// also reach responses that later steps produce, including error responses the exception handler rewrites.
    /// </summary>
    public static void Remember(HttpContext context, in RateLimitDecision decision)
    {
        var decisions = context.Features.Get<Decisions>();
        if (decisions is null)
        {
            decisions = new Decisions();
            context.Features.Set(decisions);
            context.Response.OnStarting(static state =>
            {
                var (response, decisions) = ((HttpResponse, Decisions))state;
                decisions.WriteTo(response.Headers);
                return Task.CompletedTask;
            }, (context.Response, decisions));
        }

        decisions.Add(decision);
    }

    /// <summary>The 429 for a request the decisions on it rejected; <c>Retry-After</c> is when every violated policy admits again.</summary>
    public static ProblemHttpResult Rejection(HttpContext context)
    {
        var rejected = context.Features.Get<Decisions>()?.Where(decision => !decision.Admitted).ToList() ?? [];
        var retryAfter = rejected.Count == 0 ? 1 : rejected.Max(decision => Seconds(decision.ResetAfter));
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);

        return TypedResults.Problem(new ProblemDetails
        {
            Type = QuotaExceededType,
            Title = "Too many requests.",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = string.Create(CultureInfo.InvariantCulture, $"The request exceeds a rate limit; retry after {retryAfter} seconds."),
            Extensions = { [ViolatedPoliciesMember] = rejected.Select(decision => decision.Policy.Name).ToArray() },
        });
    }

    /// <summary>Whole seconds, rounded up, so a client that waits this long never arrives early.</summary>
    private static long Seconds(TimeSpan duration) => (long)Math.Ceiling(Math.Max(duration.TotalSeconds, 0));

    /// <summary>Almost every request is under one policy: that case writes the policy's fixed field and one state string.</summary>
    private sealed class Decisions() : List<RateLimitDecision>(capacity: 1)
    {
        public void WriteTo(IHeaderDictionary headers)
        {
            if (Count == 1)
            {
                headers[PolicyHeader] = this[0].Policy.HeaderItem;
                headers[StateHeader] = State(this[0]);
                return;
            }

            headers[PolicyHeader] = string.Join(", ", this.Select(decision => decision.Policy.HeaderItem));
            headers[StateHeader] = string.Join(", ", this.Select(State));
        }

        private static string State(RateLimitDecision decision) =>
            string.Create(CultureInfo.InvariantCulture, $"\"{decision.Policy.Name}\";r={decision.Remaining};t={Seconds(decision.ResetAfter)}");
    }
}
