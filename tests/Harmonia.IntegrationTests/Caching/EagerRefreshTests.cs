using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A key read more often than its L1 life never waits for MongoDB: its reads are answered from memory or Redis, and
/// it is refreshed from MongoDB in the background before its Redis entry expires (docs/caching.md, eager refresh).
/// An in-process instance gives profiles a 20 s Redis life and a 16 s L1 life, with a threshold of 0.5 (the shipped 0.9
/// would leave too little of the life for a busy machine): the refresh at 8 s takes Redis's longer-lived copy, the one
/// at about 14 s asks MongoDB. The profile changes in MongoDB behind the cache's back, so only that refresh brings the
/// change, and without it the read after the Redis entry expires is a miss. Half these lives left a fresh-clone CI run
/// under the parallel suite 3 s, which once was not enough for the background refresh.
/// The wait lasts until the entry has expired at the latest, counted from the end of sign-up, which on a busy machine
/// takes seconds (two password hashes). A later deadline cannot hide a missing refresh: every read must be a hit, and
/// the first read after an unrefreshed entry expired would be a miss. Counted from the start of sign-up instead, the
/// wait once ended before the refresh was due: sign-up took 9 s under the parallel suite, and the refresh comes about
/// 14 s into the entry's life.
/// </summary>
public sealed class EagerRefreshTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Expiration = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string?> ShortLives = new()
    {
        ["Harmonia:Cache:Areas:profile:Expiration"] = Expiration.ToString(),
        ["Harmonia:Cache:Areas:profile:LocalExpiration"] = "00:00:16",
        ["Harmonia:Cache:Areas:profile:EagerRefreshThreshold"] = "0.5",
    };

    [Fact]
    public async Task AProfileReadOftenNeverWaitsForMongoAndIsRefreshedBeforeItsRedisEntryExpires()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var api = await InProcessApi.StartAsync(fixture, ShortLives);
        using var client = api.CreateClient();
        // Signing up writes the profile through to both levels, so their lives have started once it returns.
        var user = await RegisterAndLoginAsync(client, displayName: "Before");
        var redisEntryExpiredBy = DateTime.UtcNow + Expiration;
        await fixture.Database.GetCollection<UserDocument>(UserStore.Name).UpdateOneAsync(
            Builders<UserDocument>.Filter.Eq(document => document.Id, user.Id),
            Builders<UserDocument>.Update.Set(document => document.DisplayName, "After"),
            cancellationToken: cancellationToken);

        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await GetAsync(client, $"/users/{user.Id}", user.Tokens.AccessToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.StartsWith("Harmonia; hit;", Assert.Single(response.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
                return (await response.Content.ReadFromJsonAsync<PublicProfileResponse>(cancellationToken))!.DisplayName == "After";
            },
            redisEntryExpiredBy - DateTime.UtcNow,
            "the change is read from the cache before the profile's Redis entry expires");
    }
}
