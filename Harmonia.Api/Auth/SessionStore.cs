using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>The <c>sessions</c> and <c>refreshTokens</c> collections and their indexes.</summary>
public sealed class SessionStore(IMongoDatabase database)
{
    public const string SessionsName = "sessions";
    public const string RefreshTokensName = "refreshTokens";

    public IMongoCollection<SessionDocument> Sessions { get; } = database.GetCollection<SessionDocument>(SessionsName);

    public IMongoCollection<RefreshTokenDocument> RefreshTokens { get; } = database.GetCollection<RefreshTokenDocument>(RefreshTokensName);

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [SessionsName, RefreshTokensName];

        public async Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken)
        {
            await database.GetCollection<SessionDocument>(SessionsName).Indexes.CreateOneAsync(
                new CreateIndexModel<SessionDocument>(
                    Builders<SessionDocument>.IndexKeys.Ascending(session => session.UserId).Descending(session => session.LastActivityAt)),
                cancellationToken: cancellationToken);

            // MongoDB deletes spent tokens a day after they expire; reuse of a token that old is just an unknown token.
            await database.GetCollection<RefreshTokenDocument>(RefreshTokensName).Indexes.CreateOneAsync(
                new CreateIndexModel<RefreshTokenDocument>(
                    Builders<RefreshTokenDocument>.IndexKeys.Ascending(token => token.ExpiresAt),
                    new CreateIndexOptions { ExpireAfter = TimeSpan.FromDays(1) }),
                cancellationToken: cancellationToken);
        }
    }
}
