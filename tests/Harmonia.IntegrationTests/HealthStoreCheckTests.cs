using System.Diagnostics;
using System.Net;
using Harmonia.ServiceDefaults.MongoDB;

namespace Harmonia.IntegrationTests;

/// <summary>
/// <c>/health</c> is public and never rate limited, yet however often it is called, each service instance checks each
/// store about once a second; and an outage, and its end, still show in it within seconds (docs/observability.md).
/// An instance with a Redis of its own, so that Redis counts only its pings; its MongoDB pings are counted in process.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class HealthStoreCheckTests(AppHostFixture fixture)
{
    /// <summary>How long a store check's result serves every caller (the product's <c>ThrottledHealthCheck.ResultLifetime</c>).</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Aspire's Redis check pings twice (the database, then the server). StackExchange.Redis pings an idle connection
    /// now and then on its own; the flood keeps the connections busy, and one ping more is the margin for it.
    /// </summary>
    private const int RedisPingsPerCheck = 2;

    /// <summary>The interval, a check against a frozen Redis (its half-second command timeout, found on a quarter-second heartbeat) or a reconnect, and margin for a busy machine.</summary>
    private static readonly TimeSpan OutageShowsWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AFloodOfHealthRequestsChecksEachStoreAboutOnceASecond()
    {
        await using var redis = await OwnRedis.StartAsync(fixture);
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis.ConnectionString });
        using var client = instance.CreateClient();
        using var metrics = new MetricRecorder(MongoCommandMetrics.MeterName);
        // The first check connects both clients; the count starts from its end.
        Assert.Equal("Healthy", await HealthAsync(client));
        var redisPingsBefore = await redis.CallsAsync("ping");
        var mongoPingsBefore = MongoPings(metrics);
        var clock = Stopwatch.StartNew();

        var answers = new List<string>();
        for (var burst = 0; burst < 5; burst++)
        {
            answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => HealthAsync(client))));
        }

        for (var request = 0; request < 100; request++)
        {
            answers.Add(await HealthAsync(client));
        }

        var elapsed = clock.Elapsed;
        var redisPings = await redis.CallsAsync("ping") - redisPingsBefore;
        var mongoPings = MongoPings(metrics) - mongoPingsBefore;

        // A new check starts only once the last one's result is an interval old, so the flood's own checks number at
        // most one per interval it lasted, and one more for the first check's result expiring inside it.
        var checks = (long)Math.Ceiling(elapsed / CheckInterval) + 1;
        TestContext.Current.TestOutputHelper?.WriteLine($"{answers.Count} requests in {elapsed.TotalSeconds:0.00} s: {mongoPings} MongoDB pings, {redisPings} Redis pings.");
        Assert.All(answers, answer => Assert.Equal("Healthy", answer));
        Assert.InRange(mongoPings, 0, checks);
        Assert.InRange(redisPings, 0, (RedisPingsPerCheck * checks) + 1);
    }

    [Fact]
    public async Task ARedisOutageAndItsEndShowInHealthWithinSeconds()
    {
        await using var redis = await OwnRedis.StartAsync(fixture);
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["ConnectionStrings:redis"] = redis.ConnectionString });
        using var client = instance.CreateClient();
        Assert.Equal("Healthy", await HealthAsync(client));

        await redis.FreezeAsync();
        try
        {
            await Eventually.HoldsAsync(async () => await HealthAsync(client) == "Degraded", OutageShowsWithin, "/health reports Degraded with Redis frozen");
        }
        finally
        {
            await redis.ThawAsync();
        }

        await Eventually.HoldsAsync(async () => await HealthAsync(client) == "Healthy", OutageShowsWithin, "/health reports Healthy once Redis answers again");
    }

    /// <summary>The status word; a Degraded store still answers 200.</summary>
    private static async Task<string> HealthAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private static long MongoPings(MetricRecorder metrics) =>
        metrics.Count("db.client.operation.duration", ("db.operation.name", "ping"));
}
