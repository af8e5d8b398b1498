using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>What the cache does, measured inside in-process API instances that share the AppHost's stores.</summary>
[Collection(InProcessCollection.Name)]
public sealed class CacheMeasurementTests(AppHostFixture fixture)
{
    [Fact]
    public async Task ThousandConcurrentReadsOfAColdProfileQueryMongoOnce()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var subject = await RegisterAndLoginAsync(replica);
        await using var api = await InProcessApi.StartAsync(fixture);
        using var client = api.CreateClient();
        var reader = await RegisterAndLoginAsync(client);
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", reader.Tokens.AccessToken));
        using var mongo = new MongoCommandRecorder();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(_ =>
            GetStatusAsync(client, $"/users/{subject.Id}", reader.Tokens.AccessToken)));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(1, mongo.Count("users", "find"));
    }

    [Fact]
    public async Task RequestsAreCountedByAreaAndLevel()
    {
        using var replica = fixture.CreateApiReplicaClient(0);
        var subject = await RegisterAndLoginAsync(replica);
        await using var first = await InProcessApi.StartAsync(fixture);
        await using var second = await InProcessApi.StartAsync(fixture);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var reader = await RegisterAndLoginAsync(firstClient);
        using var metrics = new CacheMetricsRecorder();

        // A cold read misses both levels; the same instance then answers from L1; a second instance from L2.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(firstClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(firstClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        await Eventually.HoldsAsync(async () => await fixture.Redis.GetDatabase().KeyExistsAsync($"cache:user:{subject.Id}"), TimeSpan.FromSeconds(5), "the profile reaches Redis");
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(secondClient, $"/users/{subject.Id}", reader.Tokens.AccessToken));
        await new LibraryClient(firstClient, reader.Tokens.AccessToken).AddPlaylistAsync("Counted");

        Assert.Equal(1, metrics.Requests("profile", "miss"));
        Assert.Equal(1, metrics.Requests("profile", "l1_hit"));
        Assert.Equal(1, metrics.Requests("profile", "l2_hit"));
        Assert.True(metrics.Requests("session", "l1_hit") >= 2, "the first instance checked its sessions from L1");
        Assert.Equal(1, metrics.Invalidations("library", "library-item-added"));
    }

    private sealed class CacheMetricsRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string Instrument, string Area, string Kind), long> _counts = new();

        public CacheMetricsRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Harmonia.Cache")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string area = "", kind = "";
                foreach (var tag in tags)
                {
                    switch (tag.Key)
                    {
                        case "area": area = tag.Value as string ?? ""; break;
                        case "result" or "reason": kind = tag.Value as string ?? ""; break;
                    }
                }

                _counts.AddOrUpdate((instrument.Name, area, kind), value, (_, count) => count + value);
            });
            _listener.Start();
        }

        public long Requests(string area, string result) => _counts.GetValueOrDefault(("harmonia.cache.requests", area, result));

        public long Invalidations(string area, string reason) => _counts.GetValueOrDefault(("harmonia.cache.invalidations", area, reason));

        public void Dispose() => _listener.Dispose();
    }
}
