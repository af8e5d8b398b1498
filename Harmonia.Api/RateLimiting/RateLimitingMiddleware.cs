using Microsoft.AspNetCore.RateLimiting;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// Limits every request by its endpoint's policy before the endpoint runs. Endpoints marked
/// <c>DisableRateLimiting()</c> (the health probes) are never limited.
/// </summary>
/// <remarks>
/// Not ASP.NET Core's rate limiting middleware: it keeps a limiter object per partition in memory (pointless
/// when the count lives in Redis, and unbounded with a partition per user and route) and gives admitted
/// responses no way to carry RateLimit header fields. It does honour the same <see cref="DisableRateLimitingAttribute"/>.
/// </remarks>
internal sealed class RateLimitingMiddleware(RequestDelegate next, RateLimitService limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is not null)
        {
            await next(context);
            return;
        }

        var decision = await limits.DecideForEndpointAsync(context);
        if (!decision.Admitted)
        {
            await RateLimitResponse.Rejection(context).ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
