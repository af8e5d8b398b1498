using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Music;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using MongoDB.Bson;
using MongoDB.Driver.GridFS;

namespace Harmonia.Api.Songs;

/// <summary>The handler of <c>GET /songs/{id}/audio</c>, which <see cref="SongsApi"/> maps.</summary>
internal static class SongAudioApi
{
    /// <remarks>
    /// Clips are at most 30 s of 8 kHz mono (under 0.5 MB), so the file is read whole and range requests
    /// (seeking, resumed downloads) are answered from memory. Longer audio would call for GridFS's seekable
    /// stream instead, which the jongodb test server cannot serve (it matches chunk numbers by BSON type).
    /// The file id doubles as the entity tag, since a stored file never changes.
    /// </remarks>
    public static async Task<Results<FileContentHttpResult, NotFound>> GetAudioAsync(
        ObjectId id, ClaimsPrincipal user, SongStore songs, CancellationToken cancellationToken)
    {
        var song = await songs.FindOwnedAsync(id.ToString(), user.GetUserId(), cancellationToken);
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
