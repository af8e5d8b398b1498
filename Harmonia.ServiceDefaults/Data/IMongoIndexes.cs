using MongoDB.Driver;

namespace Harmonia.ServiceDefaults.Data;

/// <summary>The indexes one feature's queries need; creating them must be idempotent.</summary>
public interface IMongoIndexes
{
    Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken);
}
