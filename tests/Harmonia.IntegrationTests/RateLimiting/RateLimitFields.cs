using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>Reads what a response says about rate limits, the way a client would.</summary>
internal static partial class RateLimitFields
{
    /// <summary>One item of the <c>RateLimit</c> field: a policy, the requests it has left, and the seconds within which no more are granted.</summary>
    public sealed record ServiceLimit(string Policy, int Remaining, int ResetSeconds);

    /// <summary>The <c>RateLimit-Policy</c> field as sent.</summary>
    public static string? PolicyOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("RateLimit-Policy", out var values) ? string.Join(", ", values) : null;

    /// <summary>The items of the <c>RateLimit</c> field, in order; empty when the response carries none.</summary>
    public static IReadOnlyList<ServiceLimit> LimitsOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("RateLimit", out var values)
            ? [.. values.SelectMany(value => ServiceLimitItem().Matches(value)).Select(match => new ServiceLimit(
                match.Groups["policy"].Value,
                int.Parse(match.Groups["r"].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups["t"].Value, CultureInfo.InvariantCulture)))]
            : [];

    public static ServiceLimit LimitOf(HttpResponseMessage response, string policy) =>
        LimitsOf(response).Single(limit => limit.Policy == policy);

    /// <summary>Asserts a 429 quota-exceeded problem naming exactly <paramref name="violatedPolicies"/>, and returns its Retry-After in seconds.</summary>
    public static async Task<int> AssertQuotaExceededAsync(HttpResponseMessage response, params string[] violatedPolicies)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("https://iana.org/assignments/http-problem-types#quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(violatedPolicies, ViolatedPolicies(problem));
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        return (int)retryAfter.Value.TotalSeconds;
    }

    /// <summary>The policies a 429 says the request violated.</summary>
    public static async Task<IReadOnlyList<string>> ViolatedPoliciesAsync(HttpResponseMessage response) =>
        ViolatedPolicies(await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));

    private static List<string> ViolatedPolicies(JsonElement problem) =>
        [.. problem.GetProperty("violated-policies").EnumerateArray().Select(policy => policy.GetString()!)];

    [GeneratedRegex("\"(?<policy>[^\"]+)\";r=(?<r>\\d+);t=(?<t>\\d+)")]
    private static partial Regex ServiceLimitItem();
}
