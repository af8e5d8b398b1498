using Microsoft.AspNetCore.Http.HttpResults;

namespace Harmonia.Api.Admin;

public static class AdminApi
{
    public const string Policy = "admin";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        // Left out of the public OpenAPI document, as the queue's are: it is served to anyone, and would list the
        // operator surface to every anonymous caller. docs/api.md describes these endpoints.
        var cache = app.MapGroup("/admin/cache").WithTags("Admin").RequireAuthorization(Policy).ExcludeFromDescription();

        cache.MapGet("/stats", GetStatsAsync).WithSummary("Hit rates per area and level, L1 and Redis memory, keys per namespace");
        cache.MapPost("/clear", ClearAsync).WithSummary("Drop every cached entry, or those with one tag, on every replica");
        cache.MapPost("/warm", WarmAsync).WithSummary("Preload the caches of the most recently active users");
        app.MapQueueAdminApi();

        return app;
    }

    private static async Task<Ok<CacheStatsResponse>> GetStatsAsync(CacheAdministration administration) =>
        TypedResults.Ok(await administration.GetStatsAsync());

    private static async Task<Ok<CacheCommandResponse>> ClearAsync(string? tag, CacheAdministration administration)
    {
        await administration.ClearAsync(tag);
        return TypedResults.Ok(new CacheCommandResponse(tag is null ? "Cleared every cached entry." : $"Cleared the entries tagged '{tag}'."));
    }

    private static async Task<Ok<CacheCommandResponse>> WarmAsync(CacheAdministration administration, CancellationToken cancellationToken) =>
        TypedResults.Ok(new CacheCommandResponse($"Warmed the caches of {await administration.WarmAsync(cancellationToken)} users."));
}
