using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Contracts.Songs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Api.Songs;

public static class SongAudioApi
{
    public static IEndpointRouteBuilder MapSongAudioApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/songs/{id}/audio", GetAudioAsync)
            .WithTags("Songs")
            .RequireAuthorization()
            .WithSummary("A song's audio (WAV), for its owner; supports range requests");

        return app;
    }

    /// <remarks>
    /// Clips are at most 30 s of 8 kHz mono (under 0.5 MB), so the file is read whole and range requests
    /// (seeking, resumed downloads) are answered from memory. Longer audio would call for GridFS's seekable
    /// stream instead, which the jongodb test server cannot serve (it matches chunk numbers by BSON type).
    /// The file id doubles as the entity tag, since a stored file never changes.
    /// </remarks>
    private static async Task<Results<FileContentHttpResult, NotFound>> GetAudioAsync(
        string id, ClaimsPrincipal user, SongStore songs, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out _))
        {
            return TypedResults.NotFound();
        }

        var ownerId = user.GetUserId();
        var song = await songs.FindOwnedAsync(id, ownerId, cancellationToken);
        if (song?.AudioFileId is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            var audio = await songs.Audio.DownloadAsBytesAsync(ObjectId.Parse(song.AudioFileId), cancellationToken: cancellationToken);
            return TypedResults.File(
                audio,
                contentType: "audio/wav",
                lastModified: new DateTimeOffset(DateTime.SpecifyKind(song.CreatedAt, DateTimeKind.Utc)),
                entityTag: new EntityTagHeaderValue($"\"{song.AudioFileId}\""),
                enableRangeProcessing: true);
        }
        catch (GridFSFileNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }
}
