using System.Net;
using Harmonia.Caching;
using Harmonia.Music;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A cold library page read by many requests on several replicas at once is read from MongoDB once: each replica
/// collapses its own requests, and the distributed lock lets one replica read while the others wait for Redis.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class StampedeTests(AppHostFixture fixture)
{
    private const int Reads = 1_000;

    [Fact]
    public async Task ThousandConcurrentColdReadsOfALibraryPageOverTwoReplicasQueryMongoOnce()
    {
        await using var first = await InProcessApi.StartAsync(fixture);
        await using var second = await InProcessApi.StartAsync(fixture);
        HttpClient[] replicas = [first.CreateClient(), second.CreateClient()];
        var owner = await RegisterAndLoginAsync(replicas[0]);
        using (var invalidations = new MetricRecorder(CacheMetrics.MeterName))
        {
            await new LibraryClient(replicas[0], owner.Tokens.AccessToken).AddPlaylistAsync("Stampeded");
            // The addition's invalidation is made again a few seconds later; once it has, nothing drops the page
            // while the reads below are measured.
            await InvalidationRepeatTests.UntilRepeatedAsync(invalidations, LibraryKeys.Area, InvalidationRepeatTests.RepeatDelay + TimeSpan.FromSeconds(10));
        }

        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replicas[1], "/users/me", owner.Tokens.AccessToken));
        using var metrics = new MetricRecorder("Harmonia.MongoDB");

        var statuses = await Task.WhenAll(Enumerable.Range(0, Reads).Select(read =>
            GetStatusAsync(replicas[read % replicas.Length], "/library?page=1&pageSize=5", owner.Tokens.AccessToken)));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, Auth.SessionCacheTests.MongoCommands(metrics, "library", "find"));
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }
}
