using Harmonia.Api.Auth;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A refresh token is spent once however many exchanges race for it, on the AppHost's MongoDB. Over HTTP the
/// exchanges' reads before the spend spread them out, so a spend that let two win showed there only now and then
/// (<see cref="RefreshRotationTests.ConcurrentRefreshesWithOneTokenOnBothReplicasGetTheSamePair"/> failed once in a
/// full run); here many spends start together, round after round.
/// </summary>
public sealed class RefreshTokenSpendTests(AppHostFixture fixture)
{
    private const int Rounds = 50;
    private const int Contenders = 8;

    [Fact]
    public async Task OfConcurrentSpendsOfOneRefreshTokenExactlyOneWinsAndSealsItsSuccessor()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var store = new SessionStore(fixture.Database);

        for (var round = 0; round < Rounds; round++)
        {
            var hash = $"spend-test-{Guid.NewGuid():N}";
            await store.RefreshTokens.InsertOneAsync(
                new RefreshTokenDocument
                {
                    Hash = hash,
                    SessionId = ObjectId.GenerateNewId().ToString(),
                    UserId = ObjectId.GenerateNewId().ToString(),
                    ExpiresAt = DateTime.UtcNow.AddHours(1),
                },
                cancellationToken: cancellationToken);

            var wins = await Task.WhenAll(Enumerable.Range(0, Contenders).Select(contender => Task.Run(
                () => store.TrySpendRefreshTokenAsync(hash, DateTime.UtcNow, [(byte)contender]), cancellationToken)));

            var winner = Assert.Single(Enumerable.Range(0, Contenders), contender => wins[contender]);
            var record = await store.RefreshTokens.Find(token => token.Hash == hash).SingleAsync(cancellationToken);
            Assert.Equal<byte[]>([(byte)winner], record.Successor);
        }
    }
}
