using Harmonia.Music;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests;

/// <summary>Seeds what no endpoint creates directly (songs come from generation jobs).</summary>
internal static class TestData
{
    public static Task<SongDocument> InsertSongAsync(AppHostFixture fixture, string ownerId, string title = "Seeded song") =>
        InsertSongAsync(fixture.Database, ownerId, title);

    /// <summary>Seeds a song into <paramref name="database"/>: the shared AppHost's, or another AppHost's (the cluster's).</summary>
    public static async Task<SongDocument> InsertSongAsync(IMongoDatabase database, string ownerId, string title = "Seeded song")
    {
        var song = new SongDocument
        {
            OwnerId = ownerId,
            Title = title,
            Prompt = "a seeded test song",
            DurationSeconds = 3,
            CreatedAt = DateTime.UtcNow,
        };
        await database.GetCollection<SongDocument>(SongStore.Name).InsertOneAsync(song, cancellationToken: TestContext.Current.CancellationToken);
        return song;
    }
}
