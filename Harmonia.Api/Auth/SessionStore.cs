using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>The <c>sessions</c> and <c>refreshTokens</c> collections and their indexes.</summary>
public sealed class SessionStore(IMongoDatabase database)
{
    public const string SessionsName = "sessions";
    public const string RefreshTokensName = "refreshTokens";

    /// <summary>How long a refresh token is kept past its expiry; reuse of a token that old is just an unknown token.</summary>
    public static readonly TimeSpan ExpiredTokenRetention = TimeSpan.FromDays(1);

    public IMongoCollection<SessionDocument> Sessions { get; } = database.GetCollection<SessionDocument>(SessionsName);

    public IMongoCollection<RefreshTokenDocument> RefreshTokens { get; } = database.GetCollection<RefreshTokenDocument>(RefreshTokensName);

    /// <summary>
    /// Spends the unspent refresh token with <paramref name="hash"/>, sealing <paramref name="successor"/> into its record;
    /// false when it was spent already. Of concurrent spends exactly one wins. An update rather than a find-and-modify:
    /// jongodb, the MongoDB-wire server of local runs and tests, lets concurrent find-and-modifies of one document both
    /// match (docs/infrastructure.md); its updates are atomic, as both are on MongoDB.
    /// </summary>
    public async Task<bool> TrySpendRefreshTokenAsync(string hash, DateTime usedAt, byte[]? successor)
    {
        var spend = Builders<RefreshTokenDocument>.Update.Set(token => token.UsedAt, usedAt);
        if (successor is not null)
        {
            spend = spend.Set(token => token.Successor, successor);
        }

        var spent = await RefreshTokens.UpdateOneAsync(
            Builders<RefreshTokenDocument>.Filter.Eq(token => token.Hash, hash) & Builders<RefreshTokenDocument>.Filter.Eq(token => token.UsedAt, null),
            spend);
        return spent.ModifiedCount == 1;
    }

    /// <summary>
    /// The sessions revoked at or after <paramref name="since"/>, by id, with when: all <see cref="RecordedRevocations"/>
    /// needs, so only those two fields are asked for.
    /// </summary>
    public async Task<IReadOnlyList<(string SessionId, DateTime RevokedAt)>> RevokedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        var revoked = await Sessions.Find(Builders<SessionDocument>.Filter.Gte(session => session.RevokedAt, since))
            .Project<SessionDocument>(Builders<SessionDocument>.Projection.Include(session => session.Id).Include(session => session.RevokedAt))
            .ToListAsync(cancellationToken);
        return [.. revoked.Select(session => (session.Id, session.RevokedAt!.Value))];
    }

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [SessionsName, RefreshTokensName];

        public async Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken)
        {
            await database.GetCollection<SessionDocument>(SessionsName).Indexes.CreateOneAsync(
                new CreateIndexModel<SessionDocument>(
                    Builders<SessionDocument>.IndexKeys.Ascending(session => session.UserId).Descending(session => session.LastActivityAt)),
                cancellationToken: cancellationToken);

            // SessionHousekeeping's lookups: ended sessions by when they ended, their tokens by session.
            await database.GetCollection<SessionDocument>(SessionsName).Indexes.CreateOneAsync(
                new CreateIndexModel<SessionDocument>(Builders<SessionDocument>.IndexKeys.Ascending(session => session.ExpiresAt)),
                cancellationToken: cancellationToken);
            await database.GetCollection<RefreshTokenDocument>(RefreshTokensName).Indexes.CreateOneAsync(
                new CreateIndexModel<RefreshTokenDocument>(Builders<RefreshTokenDocument>.IndexKeys.Ascending(token => token.SessionId)),
                cancellationToken: cancellationToken);

            // RecordedRevocations' read, every second on every replica: the sessions revoked lately.
            await database.GetCollection<SessionDocument>(SessionsName).Indexes.CreateOneAsync(
                new CreateIndexModel<SessionDocument>(Builders<SessionDocument>.IndexKeys.Ascending(session => session.RevokedAt)),
                cancellationToken: cancellationToken);

            // Where MongoDB runs TTL indexes it deletes expired tokens itself; SessionHousekeeping does it everywhere.
            await database.GetCollection<RefreshTokenDocument>(RefreshTokensName).Indexes.CreateOneAsync(
                new CreateIndexModel<RefreshTokenDocument>(
                    Builders<RefreshTokenDocument>.IndexKeys.Ascending(token => token.ExpiresAt),
                    new CreateIndexOptions { ExpireAfter = ExpiredTokenRetention }),
                cancellationToken: cancellationToken);
        }
    }
}
