using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Api.Users;

/// <summary>The <c>users</c> collection and the indexes its lookups need.</summary>
public sealed class UserStore(IMongoDatabase database)
{
    public const string Name = "users";

    public IMongoCollection<UserDocument> Documents { get; } = database.GetCollection<UserDocument>(Name);

    /// <summary>The account an address belongs to, however it is spelled; null when it has none.</summary>
    public Task<UserDocument?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var normalizedEmail = EmailAddress.Normalize(email);
        return Documents.Find(user => user.NormalizedEmail == normalizedEmail).FirstOrDefaultAsync(cancellationToken)!;
    }

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<UserDocument>(Name).Indexes.CreateManyAsync(
                [
                    new CreateIndexModel<UserDocument>(
                        Builders<UserDocument>.IndexKeys.Ascending(user => user.NormalizedEmail),
                        new CreateIndexOptions { Unique = true, Name = "normalizedEmail_unique" }),
                    // The sweep that removes never-verified accounts looks them up by their due time.
                    new CreateIndexModel<UserDocument>(Builders<UserDocument>.IndexKeys.Ascending(user => user.RemoveUnverifiedAt)),
                ],
                cancellationToken);
    }
}
