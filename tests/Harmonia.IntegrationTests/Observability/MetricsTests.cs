using System.Net;
using Harmonia.IntegrationTests.Caching;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Observability;

/// <summary>What the dashboard charts: memory of the process, its L1, Redis and MongoDB, from the services' own meters.</summary>
[Collection(InProcessCollection.Name)]
public sealed class MetricsTests(AppHostFixture fixture)
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AfterReadsAndWritesTheMemoryGaugesReportNonZeroValues()
    {
        using var metrics = new MetricRecorder("Harmonia.Cache", "Harmonia.DataStores", "System.Runtime");
        // Registered before the instance starts, so its first poll (documents are counted once a minute) sees a user.
        using (var replica = fixture.CreateApiReplicaClient(0))
        {
            await RegisterAndLoginAsync(replica);
        }

        await using var api = await InProcessApi.StartAsync(fixture);
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var library = new LibraryClient(client, user.Tokens.AccessToken);
        await library.AddPlaylistAsync("Gauged");
        for (var read = 0; read < 5; read++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
            await library.GetPageAsync();
        }

        Assert.True(metrics.Observe("harmonia.cache.l1.entries") > 0);
        Assert.InRange(metrics.Observe("harmonia.cache.hit_ratio", ("area", "profile")) ?? -1, 0.5, 1);
        Assert.True(metrics.Observe("dotnet.process.memory.working_set") > 0);
        Assert.True(metrics.Observe("dotnet.gc.heap.total_allocated") > 0);
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Observe("harmonia.redis.memory.used") > 0), FirstPoll, "Redis memory is polled");
        Assert.Equal(512.0 * 1024 * 1024, metrics.Observe("harmonia.redis.memory.limit"));
        await Eventually.HoldsAsync(
            () => Task.FromResult(metrics.Observe("harmonia.mongodb.documents", ("db.collection.name", "users")) > 0),
            FirstPoll,
            "MongoDB document counts are polled");
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Observe("harmonia.cache.l1.estimated_size") > 0), FirstPoll, "L1 size is estimated from payloads");
    }
}
