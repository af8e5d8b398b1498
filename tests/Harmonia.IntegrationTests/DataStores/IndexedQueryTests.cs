using System.Collections.Concurrent;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.DataStores;

/// <summary>
/// The queries that grow with a collection are answered from an index on real MongoDB: each test records the find
/// the code sends (its filter and sort as they go over the wire) and checks it against the indexes the code creates.
/// The stand-in has no <c>explain</c> (CommandNotFound) and ignores hints and projections, so the plan itself cannot
/// be asked for; what is checked is the rule MongoDB plans by: an index whose keys are the query's equality fields,
/// then its sort keys in order (all in their direction or all reversed), yields matches in sort order with no
/// in-memory SORT stage and no collection scan.
/// </summary>
public sealed class IndexedQueryTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AUsersJobsAreListedInIndexOrder()
    {
        var (database, commands) = await RecordingDatabaseAsync();
        await new JobStore.Indexes().CreateAsync(database, CancellationToken);

        await new JobStore(database, TimeProvider.System).ListAsync(ObjectId.GenerateNewId().ToString(), page: 2, pageSize: 20, CancellationToken);

        await AssertAnIndexServesAsync(database, commands, JobStore.Name);
    }

    [Theory]
    [InlineData("/library?page=2")]
    [InlineData("/library?type=song&page=2")]
    public async Task ALibraryPageIsReadInIndexOrder(string path)
    {
        var (database, commands) = await RecordingDatabaseAsync();
        await new LibraryStore.Indexes().CreateAsync(database, CancellationToken);
        await using var api = await InProcessApi.StartAsync(fixture, services: services => services.AddSingleton(new LibraryStore(database)));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        using var response = await GetAsync(client, path, user.Tokens.AccessToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        await AssertAnIndexServesAsync(database, commands, LibraryStore.Name);
    }

    /// <summary>The sweep asks, per batch of old audio files, which of them songs reference: by index, reading the id alone.</summary>
    [Fact]
    public async Task TheAudioSweepFindsReferencesByIndexAndReadsOnlyTheFileIds()
    {
        var (database, commands) = await RecordingDatabaseAsync();
        await new SongStore.Indexes().CreateAsync(database, CancellationToken);
        var oldFile = ObjectId.GenerateNewId();
        await database.GetCollection<BsonDocument>($"{SongStore.AudioBucketName}.files").InsertOneAsync(
            new BsonDocument { ["_id"] = oldFile, ["length"] = 0L, ["chunkSize"] = 64 * 1024, ["uploadDate"] = DateTime.UtcNow.AddDays(-2), ["filename"] = $"{oldFile}.wav" },
            cancellationToken: CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(
            fixture,
            new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = NewQueue("sweep"), ["Harmonia:Retention:Interval"] = "00:00:01" },
            services: services => services.AddSingleton(new SongStore(database)));
        await Eventually.HoldsAsync(() => Task.FromResult(Finds(commands, SongStore.Name).Any()), TimeSpan.FromSeconds(15), "the sweep asks about the old file");

        var find = await AssertAnIndexServesAsync(database, commands, SongStore.Name);
        Assert.Equal(new BsonDocument { ["audioFileId"] = 1, ["_id"] = 0 }, find.GetValue("projection", new BsonDocument()));
    }

    /// <summary>A database of the test's own, through a client that keeps every command it sends.</summary>
    private async Task<(IMongoDatabase Database, ConcurrentQueue<BsonDocument> Commands)> RecordingDatabaseAsync()
    {
        MongoConventions.Register();
        var commands = new ConcurrentQueue<BsonDocument>();
        var settings = MongoClientSettings.FromConnectionString(await fixture.ConnectionStringAsync("harmonia"));
        settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(started => commands.Enqueue(started.Command.DeepClone().AsBsonDocument));
        return (new MongoClient(settings).GetDatabase($"indexed-{Guid.NewGuid():N}"), commands);
    }

    private static IEnumerable<BsonDocument> Finds(IEnumerable<BsonDocument> commands, string collection) =>
        commands.Where(command => command.TryGetValue("find", out var name) && name == collection);

    /// <summary>The (first) find on <paramref name="collection"/>, after checking that one of its indexes serves it.</summary>
    private static async Task<BsonDocument> AssertAnIndexServesAsync(IMongoDatabase database, IEnumerable<BsonDocument> commands, string collection)
    {
        var find = Finds(commands, collection).First();
        var filter = find.GetValue("filter", new BsonDocument()).AsBsonDocument;
        var sort = find.GetValue("sort", new BsonDocument()).AsBsonDocument;
        var indexes = await (await database.GetCollection<BsonDocument>(collection).Indexes.ListAsync(CancellationToken)).ToListAsync(CancellationToken);
        var keys = indexes.Select(index => index["key"].AsBsonDocument).ToList();
        Assert.True(
            keys.Any(key => Serves(key, filter, sort)),
            $"No index of {collection} serves filter {filter} sorted by {sort}; its indexes: {string.Join(", ", keys)}");
        return find;
    }

    /// <summary>
    /// Whether MongoDB can answer the query from an index with these keys with no in-memory sort: the keys start with
    /// every field the filter fixes to one value (any order), and then follow the sort key by key, every direction as
    /// the sort's or every one reversed. With no sort, the first key must be a field the filter bounds.
    /// </summary>
    private static bool Serves(BsonDocument key, BsonDocument filter, BsonDocument sort)
    {
        var equalities = filter.Elements.Where(IsEquality).Select(element => element.Name).ToHashSet(StringComparer.Ordinal);
        var keys = key.Elements.ToList();
        if (sort.ElementCount == 0)
        {
            return keys.Count > 0 && filter.Contains(keys[0].Name);
        }

        if (keys.Count < equalities.Count + sort.ElementCount || !keys.Take(equalities.Count).All(element => equalities.Contains(element.Name)))
        {
            return false;
        }

        var following = keys.Skip(equalities.Count).Take(sort.ElementCount).ToList();
        var sorted = sort.Elements.ToList();
        bool Follows(int sign) => following.Select((element, i) => element.Name == sorted[i].Name && element.Value.ToInt32() == sign * sorted[i].Value.ToInt32()).All(matches => matches);
        return Follows(1) || Follows(-1);
    }

    private static bool IsEquality(BsonElement element) =>
        element.Value is not BsonDocument operators || operators.Names.All(name => !name.StartsWith('$')) || operators.Names.SequenceEqual(["$eq"]);
}
