using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// Stops the AppHost's Redis, so it runs with the serial tests, after every parallel test has finished, and
/// leaves Redis running and the replicas back on it for the serial tests after it.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class RedisOutageTests(AppHostFixture fixture)
{
    private const string Redis = "redis";

    /// <summary>How long a replica may take to use a restarted Redis again; StackExchange.Redis reconnects with backoff.</summary>
    private static readonly TimeSpan ReconnectBound = TimeSpan.FromMinutes(1);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithRedisStoppedEveryInstanceStillServesAndLimitsAloneFromWhatRedisLastToldIt()
    {
        var settings = IsolatedQuotas.WithShippedRedisWaits(("SignedIn:Limit", "3"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        using var decisionsA = DecisionsOf(instanceA);
        using var decisionsB = DecisionsOf(instanceB);
        HttpClient[] instances = [instanceA.CreateClient(), instanceB.CreateClient()];
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var user = await RegisterAndLoginAsync(instances[0]);
        // Two of the three spent while Redis decides, both on instance A: B never hears of this user's count.
        for (var request = 0; request < 2; request++)
        {
            using var response = await GetAsync(instances[0], "/users/me", user.Tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        decisionsA.Clear();

        await ExecuteAsync(KnownResourceCommands.StopCommand);
        try
        {
            await fixture.App.ResourceNotifications.WaitForResourceAsync(Redis, [KnownResourceStates.Exited, KnownResourceStates.Finished], CancellationToken);

            var statuses = new List<List<HttpStatusCode>>();
            foreach (var instance in instances)
            {
                statuses.Add([]);
                for (var request = 0; request < 5; request++)
                {
                    using var response = await GetAsync(instance, "/users/me", user.Tokens.AccessToken);
                    statuses[^1].Add(response.StatusCode);
                    Assert.Equal("\"user-route\";q=3;w=60", PolicyOf(response));
                }
            }

            // Each instance counts alone, from what Redis last told it of the caller: A was told one unit was left, B
            // was told nothing and starts from zero. Together they admit more than the quota, the documented price of
            // an outage, but A does not hand out again what was spent through it.
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses[0]);
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses[1]);
            Assert.All(
                [.. decisionsA.GetMeasurementSnapshot(), .. decisionsB.GetMeasurementSnapshot()],
                decision => Assert.Equal(
                    (string)decision.Tags[RateLimitMetrics.PolicyTag]! == "user-route" ? "local" : "distributed",
                    decision.Tags[RateLimitMetrics.ScopeTag]));
            foreach (var replica in replicas)
            {
                using var response = await GetAsync(replica, "/users/me", user.Tokens.AccessToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("user-route", Assert.Single(LimitsOf(response)).Policy);
            }
        }
        finally
        {
            await ExecuteAsync(KnownResourceCommands.StartCommand);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(Redis, CancellationToken);
        }

        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await GetAsync(instances[0], "/users/me", user.Tokens.AccessToken);
                return decisionsA.LastMeasurement?.Tags[RateLimitMetrics.ScopeTag] is "distributed" or "leased";
            },
            ReconnectBound,
            "an instance decides in Redis again once it is back");
        await AssertDecidesInRedisAsync(replicaA, "/users/me", user);
        await AssertDecidesInRedisAsync(replicaB, "/auth/sessions", user);
    }

    [Fact]
    public async Task WithRedisHangingDecisionsStopWaitingForItAndGoLocal()
    {
        var settings = IsolatedQuotas.WithShippedRedisWaits(("Anonymous:Limit", "3"));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var client = instance.CreateClient();
        using var decisions = DecisionsOf(instance);
        await using var redis = await ConnectAdminAsync();
        var key = RefreshCountKey(settings);

        // Redis accepts the decision scripts but runs none until unpaused: a hung server rather than a dead one.
        await redis.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "30000", "WRITE");
        var statuses = new List<HttpStatusCode>();
        try
        {
            for (var request = 0; request < 10; request++)
            {
                statuses.Add(await RefreshAsync(client));
            }
        }
        finally
        {
            await redis.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 7)], statuses);
        Assert.All(decisions.GetMeasurementSnapshot(), decision => Assert.Equal("local", decision.Tags[RateLimitMetrics.ScopeTag]));
        // The scripts that timed out still run once Redis resumes; the breaker kept the others from being sent at all.
        await Eventually.HoldsAsync(async () => await redis.GetDatabase().SortedSetLengthAsync(key) > 0, ReconnectBound, "the timed-out scripts run once Redis resumes");
        Assert.InRange(await redis.GetDatabase().SortedSetLengthAsync(key), 1, statuses.Count - 1);
    }

    [Fact]
    public async Task ADecisionWaitsForASlowRedisAsLongAsItsTimeoutSaysAndStaysShared()
    {
        // The suite's waits: 2 s for the decision and for the Redis client's commands. Redis then holds the script for 1 s,
        // longer than the client's shipped command timeout (500 ms), which used to end the wait and decide locally.
        var settings = IsolatedQuotas.Settings(("Anonymous:Limit", "3"));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var client = instance.CreateClient();
        using var decisions = DecisionsOf(instance);
        await using var redis = await ConnectAdminAsync();
        var key = RefreshCountKey(settings);
        // The first request opens the connection and loads the script, so the second only waits for Redis to run it.
        Assert.Equal(HttpStatusCode.Unauthorized, await RefreshAsync(client));

        await redis.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "WRITE");
        var sent = Stopwatch.GetTimestamp();
        var status = await RefreshAsync(client);
        var waited = Stopwatch.GetElapsedTime(sent);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(waited > TimeSpan.FromMilliseconds(500), $"the decision was held by the pause (waited {waited.TotalMilliseconds:F0} ms)");
        Assert.Equal(["distributed", "distributed"], decisions.GetMeasurementSnapshot().Select(decision => decision.Tags[RateLimitMetrics.ScopeTag]));
        Assert.Equal(2, await redis.GetDatabase().SortedSetLengthAsync(key));
    }

    /// <summary>An anonymous refresh with a token that is no token: one decision under <c>ip-route</c>, then 401 (or 429).</summary>
    private static async Task<HttpStatusCode> RefreshAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = "not a token" }, CancellationToken);
        return response.StatusCode;
    }

    /// <summary>The Redis key counting <see cref="RefreshAsync"/>'s decisions for an instance started with <paramref name="settings"/>.</summary>
    private static string RefreshCountKey(Dictionary<string, string?> settings) =>
        $"{settings["Harmonia:RateLimiting:KeyPrefix"]}:{{ip:unknown}}:ip-route:POST:/auth/refresh";

    /// <summary>A connection of the test's own that may pause Redis; the shared one may still be reconnecting after a stop.</summary>
    private async Task<ConnectionMultiplexer> ConnectAdminAsync() =>
        await ConnectionMultiplexer.ConnectAsync($"{await fixture.ConnectionStringAsync(Redis)},allowAdmin=true");

    private async Task ExecuteAsync(string command)
    {
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync(Redis, command, CancellationToken);
        Assert.True(result.Success, result.Message);
    }

    /// <summary>
    /// Redis keeps nothing across a restart, so a count for this user and route appearing after a request through
    /// <paramref name="replica"/> shows that replica decides in Redis again, which the serial tests after this one rely on.
    /// </summary>
    private async Task AssertDecidesInRedisAsync(HttpClient replica, string path, SignedInUser user)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.ConnectionStringAsync(Redis));
        var key = $"rate:{{u:{user.Id}}}:user-route:GET:{path}";
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await GetAsync(replica, path, user.Tokens.AccessToken);
                return await redis.GetDatabase().KeyExistsAsync(key);
            },
            ReconnectBound,
            $"the replica serving {path} decides in Redis again");
    }

    private static MetricCollector<long> DecisionsOf(InProcessHost<Harmonia.Api.Auth.AccessTokens> instance) =>
        new(instance.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), RateLimitMetrics.MeterName, RateLimitMetrics.DecisionsName);
}
