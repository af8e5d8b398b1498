using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;

namespace Harmonia.Api.Library;

public static class LibraryApi
{
    public static IEndpointRouteBuilder MapLibraryApi(this IEndpointRouteBuilder app)
    {
        var library = app.MapGroup("/library").WithTags("Library").RequireAuthorization();

        library.MapGet("", GetPageAsync).WithSummary("A page of the signed-in user's library, newest first").WithCacheStatus();
        library.MapPost("", AddAsync).WithSummary("Add one of the user's songs, or a playlist, to the library");
        library.MapDelete("/{id:objectid}", RemoveAsync).WithSummary("Remove an item from the library");

        return app;
    }

    private static async Task<JsonOk<LibraryPage>> GetPageAsync(
        [AsParameters] LibraryQuery query, ClaimsPrincipal user, LibraryService library, CachedResponses<LibraryPage, LibraryPage> pages,
        CancellationToken cancellationToken) =>
        pages.Ok(await library.GetPageAsync(user.GetUserId(), query, cancellationToken));

    private static async Task<Results<Created<LibraryItemResponse>, ValidationProblem>> AddAsync(
        AddLibraryItemRequest request, ClaimsPrincipal user, LibraryService library)
    {
        ObjectId? songId = null;
        if (request.SongId is not null)
        {
            if (!ObjectId.TryParse(request.SongId, out var parsed))
            {
                return NoSuchSong();
            }

            songId = parsed;
        }

        return await library.AddAsync(user.GetUserId(), request, songId?.ToString()) is { } item
            ? TypedResults.Created((string?)null, item)
            : NoSuchSong();
    }

    private static async Task<Results<NoContent, NotFound>> RemoveAsync(
        ObjectId id, ClaimsPrincipal user, LibraryService library) =>
        await library.RemoveAsync(user.GetUserId(), id.ToString())
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    private static ValidationProblem NoSuchSong() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            [nameof(AddLibraryItemRequest.SongId)] = ["You have no song with this id."],
        });
}
