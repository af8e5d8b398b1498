using System.Text.Json;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;

namespace Harmonia.Api.Benchmarks;

/// <summary>
/// The load benchmark's "floor": the same authenticated pipeline as <c>GET /users/{id}</c> and
/// <c>GET /library</c> (routing, JWT validation, the cached session check, authorization, rate limits)
/// answering with bytes serialized once, so no cache or database work at all. Mapped only when
/// <c>Harmonia:Benchmarks:Floor</c> is true; never in a deployment.
/// </summary>
public static class FloorApi
{
    public const string Setting = "Harmonia:Benchmarks:Floor";

    public static IEndpointRouteBuilder MapFloorApiWhenEnabled(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>(Setting))
        {
            return app;
        }

        var profile = JsonSerializer.SerializeToUtf8Bytes(
            new PublicProfileResponse("000000000000000000000000", "Floor", "Serialized once at start.", null),
            ProfilesJsonContext.Default.PublicProfileResponse);
        // Shaped like a page of the load benchmark's seeded libraries (five playlists), so both send as many bytes.
        var items = Enumerable.Range(0, 5)
            .Select(index => new LibraryItemResponse("000000000000000000000000", LibraryItemTypes.Playlist, $"Playlist {index}", null, DateTimeOffset.UnixEpoch))
            .ToList();
        var page = JsonSerializer.SerializeToUtf8Bytes(new LibraryPage(items, items.Count, 1, 20), LibraryJsonContext.Default.LibraryPage);

        var floor = app.MapGroup("/bench/floor").WithTags("Benchmarks").RequireAuthorization().ExcludeFromDescription();
        floor.MapGet("/users/{id}", (string id) => TypedResults.Bytes(profile, "application/json"));
        floor.MapGet("/library", () => TypedResults.Bytes(page, "application/json"));
        return app;
    }
}
