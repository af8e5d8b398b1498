using System.Net;
using Harmonia.Api.Auth;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// MongoDB is the record of a revocation; the Redis stream only carries it fast. A revocation Redis never hears of (its
/// replica cut off from Redis, then stopped before its retry; a failover that lost the append) must still be refused on
/// every replica, although their cached state, in L1 and in Redis, still says the session is active.
/// </summary>
public sealed class RevocationOnRecordTests(AppHostFixture fixture)
{
    private const int WarmingRequests = 3;

    /// <summary>The record's read interval (1 s) and a read, with room for a busy machine.</summary>
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task ARevocationOnlyMongoDbRecordedIsRefusedOnEveryReplica()
    {
        var replicas = fixture.CreateApiReplicaClients();
        var user = await RegisterAndLoginAsync(replicas[0]);
        var session = user.Tokens;
        foreach (var replica in replicas)
        {
            for (var request = 0; request < WarmingRequests; request++)
            {
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", session.AccessToken));
            }
        }

        await fixture.UntilInRedisAsync(SessionKeys.Validity(user.Id, session.SessionId), "the session's active state reaches Redis");

        // What a revoking replica that lost Redis leaves behind: SessionService's revoking update, and nothing else.
        var now = DateTime.UtcNow;
        var revoked = await fixture.Database.GetCollection<SessionDocument>(SessionStore.SessionsName).UpdateOneAsync(
            Builders<SessionDocument>.Filter.Eq(document => document.Id, session.SessionId) & Builders<SessionDocument>.Filter.Eq(document => document.RevokedAt, null),
            Builders<SessionDocument>.Update.Set(document => document.RevokedAt, now).Set(document => document.RevokedReason, "logout").Set(document => document.ExpiresAt, now),
            cancellationToken: TestContext.Current.CancellationToken);
        var deadline = TokenRefusal.DeadlineAfter(RevocationBound);

        Assert.Equal(1, revoked.ModifiedCount);
        await TokenRefusal.RefusedEverywhereByAsync(replicas, session.AccessToken, deadline, "a session whose revocation only MongoDB recorded");
    }
}
