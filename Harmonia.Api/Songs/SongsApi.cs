using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;

namespace Harmonia.Api.Songs;

public static class SongsApi
{
    public static IEndpointRouteBuilder MapSongsApi(this IEndpointRouteBuilder app)
    {
        var songs = app.MapGroup("/songs").WithTags("Songs").RequireAuthorization();

        songs.MapGet("/{id:objectid}", GetAsync).WithSummary("A song's metadata").WithCacheStatus();
        songs.MapMethods("/{id:objectid}/audio", [HttpMethods.Get, HttpMethods.Head], SongAudioApi.GetAudioAsync)
            .WithSummary("A song's audio (WAV), for its owner; supports range requests, and HEAD for its size");
        songs.MapDelete("/{id:objectid}", DeleteAsync).WithSummary("Delete a song, its audio and its library entries");

        return app;
    }

    /// <summary>Songs are private to their owner: anyone else gets the same 404 as for a song that does not exist.</summary>
    private static async Task<Results<JsonOk<SongResponse>, NotFound>> GetAsync(
        ObjectId id, ClaimsPrincipal user, SongService songs, CachedResponses<CachedSong, SongResponse> responses, CancellationToken cancellationToken) =>
        await songs.GetAsync(id.ToString(), cancellationToken) is { } song && song.OwnerId == user.GetUserId()
            ? responses.Ok(song)
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        ObjectId id, ClaimsPrincipal user, SongService songs) =>
        await songs.DeleteAsync(user.GetUserId(), id.ToString())
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
}
