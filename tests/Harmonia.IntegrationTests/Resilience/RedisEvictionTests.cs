using System.Globalization;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Resilience;

/// <summary>
/// Redis under memory pressure evicts only keys with a time to live (<c>volatile-lru</c>), and everything Harmonia
/// writes has one except the job queue: so cache entries go and the queue stays. These change the shared Redis's
/// memory limit or read every key, so they run one at a time after the parallel tests.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed class RedisEvictionTests(AppHostFixture fixture)
{
    /// <summary>Each filler entry is about as large as a big cached library page.</summary>
    private const int FillerBytes = 16 * 1024;

    private IDatabase Redis => fixture.Redis.GetDatabase();

    [Fact]
    public async Task EveryKeyHarmoniaWritesExpiresExceptTheQueueAndTheRevocations()
    {
        // The suite so far (run before the disruptive tests) has cached, rate-limited, leased and queued through both replicas.
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        await SubmitSongAsync(api, user.Tokens.AccessToken, "audited", durationSeconds: 5);
        var server = fixture.Redis.GetServers().Single();

        var persistent = new List<string>();
        await foreach (var key in server.KeysAsync(pageSize: 1000))
        {
            if (await Redis.KeyTimeToLiveAsync(key) is null && await Redis.KeyExistsAsync(key))
            {
                persistent.Add(key.ToString());
            }
        }

        // The queue (waiting room, stream, running sets, retry schedule) and the revocations stream, which is trimmed by age instead: neither may be
        // evicted under memory pressure.
        Assert.NotEmpty(persistent);
        Assert.All(persistent, key => Assert.Matches(@"^jobs:\{[a-z0-9-]+\}:(stream|delayed|waiting|turns|(waiting|running):[0-9a-f]{24})$|^sessions:revoked$", key));
    }

    [Fact]
    public async Task FillingRedisPastItsMemoryLimitEvictsCacheEntriesAndKeepsTheJobQueue()
    {
        // A queue of its own, with entries a worker has read (pending) and entries nobody has read yet.
        var queue = NewQueue("evict");
        var stream = JobKeys.Stream(queue);
        var consumer = new JobStreamConsumer(fixture.Redis, Options.Create(new JobQueueOptions { Queue = queue }));
        await consumer.EnsureGroupAsync();
        for (var i = 0; i < 5; i++)
        {
            await Redis.StreamAddAsync(stream, [new NameValueEntry("job", ObjectId.GenerateNewId().ToString())]);
        }

        Assert.Equal(3, (await consumer.ReadNewAsync(3)).Count);
        var server = fixture.Redis.GetServers().Single();
        var limit = (await server.ConfigGetAsync("maxmemory")).Single().Value;
        var evictedBefore = await EvictedKeysAsync(server);

        try
        {
            // Just above what Redis uses now, so a few megabytes of cache entries push it past the limit.
            var used = long.Parse((await server.InfoAsync("memory")).SelectMany(section => section).Single(pair => pair.Key == "used_memory").Value, CultureInfo.InvariantCulture);
            await server.ConfigSetAsync("maxmemory", (used + (4 * 1024 * 1024)).ToString(CultureInfo.InvariantCulture));
            var filler = new string('x', FillerBytes);
            for (var i = 0; i < 1024; i++)
            {
                await Redis.StringSetAsync($"cache:filler:{i}", filler, TimeSpan.FromHours(1));
            }

            Assert.True(await EvictedKeysAsync(server) > evictedBefore, "Redis evicted keys to stay under its limit");
            Assert.Equal(5, await Redis.StreamLengthAsync(stream));
            var pending = await Redis.StreamPendingAsync(stream, JobKeys.ConsumerGroup);
            Assert.Equal(3, pending.PendingMessageCount);
            Assert.Equal(2, (await consumer.ReadNewAsync(10)).Count);
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory", limit);
            await Redis.KeyDeleteAsync(stream);
        }
    }

    private static async Task<long> EvictedKeysAsync(IServer server) =>
        long.Parse((await server.InfoAsync("stats")).SelectMany(section => section).Single(pair => pair.Key == "evicted_keys").Value, CultureInfo.InvariantCulture);
}
