using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Whether the MongoDB server runs multi-document transactions: a replica set member or a mongos does, a standalone
/// server (jongodb as the AppHost starts it, say) refuses them. Asked once with <c>hello</c>, at the first completed
/// job rather than at start, so a worker starts while MongoDB is down; the answer does not change while it runs.
/// </summary>
public sealed class MongoTransactionSupport(IMongoClient client)
{
    private static readonly BsonDocument Hello = new("hello", 1);

    private bool? _available;

    public async ValueTask<bool> IsAvailableAsync(CancellationToken cancellationToken = default) =>
        // Two first callers may both ask; they get the same answer.
        _available ??= IsAvailable(await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(Hello, cancellationToken: cancellationToken));

    /// <summary>
    /// A replica set member names its set (<c>setName</c>); a mongos says <c>msg: "isdbgrid"</c>. A standalone server
    /// has neither.
    /// </summary>
    public static bool IsAvailable(BsonDocument hello) =>
        hello.TryGetValue("setName", out var setName) && setName is BsonString { Value.Length: > 0 }
        || hello.TryGetValue("msg", out var message) && message is BsonString { Value: "isdbgrid" };
}
