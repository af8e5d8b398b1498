using System.Globalization;

namespace Harmonia.Api.RateLimiting;

/// <summary>One quota policy as clients see it: a name, how many requests, in how many seconds.</summary>
public sealed class RateLimitPolicy
{
    public RateLimitPolicy(string name, RateLimitQuota quota)
    {
        Name = name;
        Limit = quota.Limit;
        Window = quota.Window;
        HeaderItem = string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={Limit};w={(long)Window.TotalSeconds}");
    }

    public string Name { get; }

    public int Limit { get; }

    public TimeSpan Window { get; }

    /// <summary>This policy's item in the <c>RateLimit-Policy</c> field (draft-ietf-httpapi-ratelimit-headers-11 §3), formatted once.</summary>
    public string HeaderItem { get; }
}
