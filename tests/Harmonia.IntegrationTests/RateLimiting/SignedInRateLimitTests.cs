using System.Collections.Concurrent;
using System.Net;
using Harmonia.Api.RateLimiting;
using MongoDB.Bson;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// The user-route policy (100 requests a minute per signed-in user and endpoint) on the AppHost's two replicas,
/// which run it at its default. Each test signs up a user of its own, so its counts start empty.
/// </summary>
public sealed class SignedInRateLimitTests(AppHostFixture fixture)
{
    private const string Policy = "user-route";
    private const int Quota = 100;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneHundredFiftyConcurrentRequestsOverBothReplicasAdmitExactlyOneHundred()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(replicaA);
        var statuses = new ConcurrentBag<HttpStatusCode>();

        await Parallel.ForEachAsync(
            Enumerable.Range(0, 150),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken },
            async (request, _) => statuses.Add(await GetStatusAsync(replicas[request % replicas.Count], "/users/me", user.Tokens.AccessToken)));

        Assert.Equal(Quota, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(50, statuses.Count(status => status == HttpStatusCode.TooManyRequests));

        // The count is in Redis under the design's rate:{userId}:{route} namespace, and it expires on its own.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync("redis"));
        var key = $"rate:{{u:{user.Id}}}:{Policy}:GET:/users/me";
        Assert.Equal(Quota, (long)await redis.GetDatabase().StringGetAsync(RateLimitKeys.TallyOf(key)));
        var timeToLive = await redis.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(timeToLive!.Value, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ResponsesFromEitherReplicaCountDownOneSharedQuota()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(replicaA);

        for (var request = 1; request <= 6; request++)
        {
            using var response = await GetAsync(replicas[request % replicas.Count], "/users/me", user.Tokens.AccessToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"\"{Policy}\";q={Quota};w=60", PolicyOf(response));
            var limit = LimitOf(response, Policy);
            Assert.Equal(Quota - request, limit.Remaining);
            Assert.InRange(limit.ResetSeconds, 1, 60);
        }
    }

    [Fact]
    public async Task TheRequestOverTheQuotaIsAQuotaExceededProblemWithRetryAfter()
    {
        // A replica's own address: the AppHost's clients retry 429s after Retry-After, as well-behaved clients do.
        using var api = new HttpClient { BaseAddress = fixture.ApiReplicaAddresses[0] };
        var user = await RegisterAndLoginAsync(api);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Quota),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken },
            async (_, _) => Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(api, "/users/me", user.Tokens.AccessToken)));

        using var rejected = await GetAsync(api, "/users/me", user.Tokens.AccessToken);

        var retryAfter = await AssertQuotaExceededAsync(rejected, Policy);
        var limit = LimitOf(rejected, Policy);
        Assert.Equal(0, limit.Remaining);
        // Retry-After points no earlier than the end of the effective window (draft-11 §6).
        Assert.InRange(retryAfter, Math.Max(limit.ResetSeconds, 1), 60);
    }

    [Fact]
    public async Task AnEndpointIsOneBucketWhateverItsRouteValues()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var someone = await GetAsync(api, $"/users/{ObjectId.GenerateNewId()}", user.Tokens.AccessToken);
        using var someoneElse = await GetAsync(api, $"/users/{ObjectId.GenerateNewId()}", user.Tokens.AccessToken);
        using var own = await GetAsync(api, "/users/me", user.Tokens.AccessToken);

        Assert.Equal(Quota - 1, LimitOf(someone, Policy).Remaining);
        Assert.Equal(Quota - 2, LimitOf(someoneElse, Policy).Remaining);
        Assert.Equal(Quota - 1, LimitOf(own, Policy).Remaining);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthProbesAreNeverLimited(string path)
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.GetAsync(path, CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(PolicyOf(response));
        Assert.Empty(LimitsOf(response));
    }

    [Fact]
    public async Task TheOpenApiDocumentIsLimitedLikeAnyAnonymousEndpoint()
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.GetAsync("/openapi/v1.json", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ip-route", Assert.Single(LimitsOf(response)).Policy);
    }
}
