using Harmonia.Api.Library;
using Harmonia.Api.Profiles;

namespace Harmonia.Bench.Api;

/// <summary>
/// The measured endpoints again under <c>/bench/unlimited</c>, with rate limiting disabled on the route, so one API
/// process serves each with and without limits. Goals 1 and 2 of issue 21 compare the two; measured in two processes
/// minutes apart, the machine's drift alone moved those ratios by more than the goals' margin between runs
/// (docs/benchmarks.md), so bench/load.sh measures them interleaved in this one.
/// </summary>
public static class UnlimitedTwins
{
    public const string Prefix = "/bench/unlimited";

    public static IEndpointRouteBuilder MapUnlimitedTwins(this IEndpointRouteBuilder app)
    {
        var unlimited = app.MapGroup(Prefix).DisableRateLimiting().ExcludeFromDescription();
        unlimited.MapProfilesApi();
        unlimited.MapLibraryApi();
        unlimited.MapFloorApi();
        return app;
    }
}
