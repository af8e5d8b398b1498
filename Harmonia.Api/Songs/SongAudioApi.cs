using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Music;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Api.Songs;

/// <summary>The handler of <c>GET</c> and <c>HEAD /songs/{id}/audio</c>, which <see cref="SongsApi"/> maps.</summary>
internal static class SongAudioApi
{
    /// <summary>
    /// <c>private</c>: a song is its owner's alone, so no shared cache (proxy, CDN) may keep a copy to hand to anyone
    /// else. <c>no-cache</c> rather than a <c>max-age</c>, although a stored file never changes: the owner's own cache
    /// may keep it, but asks before each reuse, so a deleted song or a signed-out session stops playing at once; with
    /// the file id as the entity tag, that question costs a 304 without the file.
    /// </summary>
    private const string CacheControl = "private, no-cache";

    /// <remarks>
    /// Clips are at most 30 s of 8 kHz mono (under 0.5 MB), so the file is read whole and range requests
    /// (seeking, resumed downloads) are answered from memory. Longer audio would call for GridFS's seekable
    /// stream instead, which the jongodb test server cannot serve (it matches chunk numbers by BSON type).
    /// The file id doubles as the entity tag, since a stored file never changes. HEAD runs this same handler (the
    /// server sends no body), so it answers what GET would, 404s included, at the cost of reading the file.
    /// </remarks>
    public static async Task<Results<FileContentHttpResult, NotFound>> GetAudioAsync(
        ObjectId id, ClaimsPrincipal user, SongStore songs, HttpResponse response, CancellationToken cancellationToken)
    {
        response.Headers.CacheControl = CacheControl;
        var song = await songs.FindOwnedAsync(id.ToString(), user.GetUserId(), cancellationToken);
        if (song?.AudioFileId is null)
        {
            return TypedResults.NotFound();
        }

        var fileId = ObjectId.Parse(song.AudioFileId);
        try
        {
            var audio = await songs.Audio.DownloadAsBytesAsync(fileId, cancellationToken: cancellationToken);
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
        catch (GridFSChunkException)
        {
            if (await IsStoredAsync(songs.Audio, fileId, cancellationToken))
            {
                throw;
            }

            // A deletion landed between the download's read of the file and its read of the chunks.
            return TypedResults.NotFound();
        }
    }

    /// <summary>Whether the file's document is still there, after a download failed on its chunks.</summary>
    /// <remarks>
    /// GridFS deletes a file's document before its chunks, and stores the chunks before the document. So chunks that
    /// fail under a document that is gone went with their file (404), while under a document that is still there the
    /// stored file is damaged, which stays a 500.
    /// </remarks>
    private static async Task<bool> IsStoredAsync(GridFSBucket audio, ObjectId fileId, CancellationToken cancellationToken)
    {
        using var files = await audio.FindAsync(Builders<GridFSFileInfo>.Filter.Eq(file => file.Id, fileId), cancellationToken: cancellationToken);
        return await files.AnyAsync(cancellationToken);
    }
}
