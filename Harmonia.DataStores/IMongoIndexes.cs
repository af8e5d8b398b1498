using MongoDB.Driver;

namespace Harmonia.DataStores;

/// <summary>The collections one feature owns and the indexes its queries need; creating them must be idempotent.</summary>
public interface IMongoIndexes
{
    IReadOnlyList<string> Collections { get; }

    Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken);
}
