using System.ComponentModel;
using Harmonia.Music;

namespace Harmonia.Api.Songs;

/// <summary>A song's metadata as the cache holds it; immutable because cache hits share one instance.</summary>
[ImmutableObject(true)]
public sealed record CachedSong(
    string Id,
    string OwnerId,
    string Title,
    string Prompt,
    int DurationSeconds,
    bool HasAudio,
    DateTimeOffset CreatedAt)
{
    public static CachedSong From(SongDocument song) =>
        new(song.Id, song.OwnerId, song.Title, song.Prompt, song.DurationSeconds, song.AudioFileId is not null, new DateTimeOffset(song.CreatedAt, TimeSpan.Zero));
}

public sealed record SongResponse(
    string Id,
    string Title,
    string Prompt,
    int DurationSeconds,
    string? AudioUrl,
    DateTimeOffset CreatedAt)
{
    public static SongResponse From(CachedSong song) =>
        new(song.Id, song.Title, song.Prompt, song.DurationSeconds, song.HasAudio ? $"/songs/{song.Id}/audio" : null, song.CreatedAt);
}
