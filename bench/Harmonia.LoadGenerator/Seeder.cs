using System.Globalization;
using Harmonia.Api.Users;
using Harmonia.DataStores;
using Harmonia.Music;
using Microsoft.AspNetCore.Identity;
using MongoDB.Driver;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Writes users and their library items straight into MongoDB with InsertMany: registering through the API
/// would hash each password once more (PBKDF2, 220,000 iterations) and insert one by one, which jongodb makes
/// slow as collections grow. Every user gets the same password hash, computed once with the API's settings so
/// sign-in neither fails nor upgrades it.
/// </summary>
internal static class Seeder
{
    public const string Password = "benchmark password 42";

    /// <summary>InsertMany batches: large enough to be fast, small enough for jongodb's quadratic write cost.</summary>
    private const int BatchSize = 500;

    public static async Task<int> RunAsync(Options options)
    {
        var users = options.Integer("users");
        var itemsPerUser = options.Integer("items", 0);
        var output = options.Text("out");
        MongoConventions.Register();
        var url = MongoUrl.Create(options.Text("mongo"));
        var database = new MongoClient(url).GetDatabase(url.DatabaseName);

        var hasher = new PasswordHasher<UserDocument>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 220_000 }));
        var now = DateTime.UtcNow;
        var run = Guid.NewGuid().ToString("N")[..8];
        var seeded = Enumerable.Range(0, users).Select(index =>
        {
            var email = $"bench-{run}-{index}@example.com";
            return new UserDocument
            {
                Email = email,
                NormalizedEmail = email,
                PasswordHash = "",
                DisplayName = $"Benchmark user {index}",
                Bio = "Seeded for the load benchmark.",
                CreatedAt = now,
                UpdatedAt = now,
            };
        }).ToList();
        var hash = hasher.HashPassword(seeded[0], Password);
        seeded.ForEach(user => user.PasswordHash = hash);

        foreach (var batch in seeded.Chunk(BatchSize))
        {
            await database.GetCollection<UserDocument>(UserStore.Name).InsertManyAsync(batch);
        }

        var items = seeded.SelectMany(user => Enumerable.Range(0, itemsPerUser).Select(index => new LibraryItemDocument
        {
            UserId = user.Id,
            Type = LibraryItemType.Playlist,
            Title = $"Playlist {index}",
            CreatedAt = now.AddSeconds(-index),
        })).ToList();
        foreach (var batch in items.Chunk(BatchSize))
        {
            await database.GetCollection<LibraryItemDocument>(LibraryStore.Name).InsertManyAsync(batch);
        }

        await File.WriteAllLinesAsync(output, seeded.Select(user => $"{user.Id}\t{user.Email}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT users={users} items={items.Count}"));
        return 0;
    }
}
