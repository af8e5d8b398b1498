using System.Security.Claims;
using Harmonia.Api.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;

namespace Harmonia.Api.Songs;

public static class SongsApi
{
    public static IEndpointRouteBuilder MapSongsApi(this IEndpointRouteBuilder app)
    {
        var songs = app.MapGroup("/songs").WithTags("Songs").RequireAuthorization();

        songs.MapGet("/{id}", GetAsync).WithSummary("A song's metadata");
        songs.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a song, its audio and its library entries");

        return app;
    }

    /// <summary>Songs are private to their owner: anyone else gets the same 404 as for a song that does not exist.</summary>
    private static async Task<Results<Ok<SongResponse>, NotFound>> GetAsync(
        string id, ClaimsPrincipal user, SongService songs, CancellationToken cancellationToken) =>
        ObjectId.TryParse(id, out _) && await songs.GetAsync(id, cancellationToken) is { } song && song.OwnerId == user.GetUserId()
            ? TypedResults.Ok(SongResponse.From(song))
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        string id, ClaimsPrincipal user, SongService songs, CancellationToken cancellationToken) =>
        ObjectId.TryParse(id, out _) && await songs.DeleteAsync(user.GetUserId(), id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
}
