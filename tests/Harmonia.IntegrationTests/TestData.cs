using Harmonia.Music;

namespace Harmonia.IntegrationTests;

/// <summary>Seeds what no endpoint creates directly (songs come from generation jobs).</summary>
internal static class TestData
{
    public static async Task<SongDocument> InsertSongAsync(AppHostFixture fixture, string ownerId, string title = "Seeded song")
    {
        var song = new SongDocument
        {
            OwnerId = ownerId,
            Title = title,
            Prompt = "a seeded test song",
            DurationSeconds = 3,
            CreatedAt = DateTime.UtcNow,
        };
        await fixture.Database.GetCollection<SongDocument>(SongStore.Name).InsertOneAsync(song, cancellationToken: TestContext.Current.CancellationToken);
        return song;
    }
}
