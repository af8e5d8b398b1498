using System.Text.Json;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Harmonia.Bench.Api;

/// <summary>
/// The load benchmark's "floor": the same authenticated pipeline as <c>GET /users/{id}</c> and
/// <c>GET /library</c> (routing, JWT validation, the cached session check, authorization, rate limits)
/// answering with bytes serialized once (with the API's own JSON settings), so no cache or database work at all.
/// Mapped under <c>/floor</c> of the builder given (<c>/bench/floor/...</c>, and its unlimited twin, see
/// <see cref="UnlimitedTwins"/>).
/// </summary>
public static class FloorApi
{
    public static IEndpointRouteBuilder MapFloorApi(this IEndpointRouteBuilder app)
    {
        var json = app.ServiceProvider.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var profile = JsonSerializer.SerializeToUtf8Bytes(new PublicProfileResponse("000000000000000000000000", "Floor", "Serialized once at start.", null), json);
        // Shaped like a page of the load benchmark's seeded libraries (five playlists), so both send as many bytes.
        var items = Enumerable.Range(0, 5)
            .Select(index => new LibraryItemResponse("000000000000000000000000", LibraryItemTypes.Playlist, $"Playlist {index}", null, DateTimeOffset.UnixEpoch))
            .ToList();
        var page = JsonSerializer.SerializeToUtf8Bytes(new LibraryPage(items, items.Count, 1, 20), json);

        var floor = app.MapGroup("/floor").WithTags("Benchmarks").RequireAuthorization().ExcludeFromDescription();
        floor.MapGet("/users/{id}", (string id) => TypedResults.Bytes(profile, "application/json"));
        floor.MapGet("/library", () => TypedResults.Bytes(page, "application/json"));
        return app;
    }
}
