using System.Globalization;

namespace Harmonia.Bench.Api;

/// <summary>
/// <c>GET /bench/allocated</c>: the bytes this process has allocated so far. The load benchmark reads it before and
/// after a cell and divides by the requests served, which gives allocations per request under real load, with
/// every middleware, background timer and connection included.
/// </summary>
public static class AllocationsApi
{
    public static IEndpointRouteBuilder MapAllocationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/bench/allocated", () => TypedResults.Text(GC.GetTotalAllocatedBytes(precise: true).ToString(CultureInfo.InvariantCulture)))
            .AllowAnonymous()
            .DisableRateLimiting()
            .ExcludeFromDescription();
        return app;
    }
}
