using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Resilience;

/// <summary>
/// Kills the AppHost's Redis (SIGKILL: no goodbye on its connections) while both replicas serve signed-in reads,
/// restarts it, and measures every read through the kill, the circuit breakers' probes and the reconnects.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed class RedisKillTests(AppHostFixture fixture)
{
    /// <summary>The promise: a dead Redis costs a request at most this long.</summary>
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(1);

    /// <summary>Longer than the cache's circuit breaker (5 s), so reads also cross its probes of the dead Redis.</summary>
    private static readonly TimeSpan DownFor = TimeSpan.FromSeconds(7);

    private static readonly TimeSpan ReadPause = TimeSpan.FromMilliseconds(100);

    private const int ReadersPerReplica = 4;

    private const int Users = 16;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillingRedisUnderLoadDelaysNoReadBeyondASecond()
    {
        using var api = fixture.CreateApiClient();
        var users = await Task.WhenAll(Enumerable.Range(0, Users).Select(_ => RegisterAndLoginAsync(api)));
        var replicas = fixture.CreateApiReplicaClients();
        var reads = new ConcurrentBag<(TimeSpan Latency, HttpStatusCode Status, string Phase, string Path)>();
        var phase = "before";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var readers = replicas.SelectMany((replica, r) => Enumerable.Range(0, ReadersPerReplica).Select(i => ReadAsync(replica, users, r * ReadersPerReplica + i)));

        async Task ReadAsync(HttpClient replica, SignedInUser[] all, int reader)
        {
            for (var n = reader; !stop.IsCancellationRequested; n++)
            {
                var user = all[n % all.Length];
                var path = n % 2 == 0 ? "/users/me" : "/library";
                var started = Stopwatch.GetTimestamp();
                using var response = await GetAsync(replica, path, user.Tokens.AccessToken);
                reads.Add((Stopwatch.GetElapsedTime(started), response.StatusCode, Volatile.Read(ref phase), path));
                await Task.Delay(ReadPause, CancellationToken.None);
            }
        }

        // Every user's first reads on each replica (cold code paths, cold caches) are not what this measures.
        foreach (var replica in replicas)
        {
            foreach (var user in users)
            {
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/library", user.Tokens.AccessToken));
            }
        }

        var load = Task.WhenAll(readers);
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken);
        Volatile.Write(ref phase, "killed");
        await KillRedisAsync();
        await Task.Delay(DownFor, CancellationToken);
        Volatile.Write(ref phase, "restarting");
        await fixture.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", CancellationToken);
        Volatile.Write(ref phase, "back");
        await Task.Delay(TimeSpan.FromSeconds(4), CancellationToken);
        await stop.CancelAsync();
        await load;

        var worst = reads.MaxBy(read => read.Latency);
        TestContext.Current.TestOutputHelper?.WriteLine($"{reads.Count} reads; worst {worst.Latency.TotalMilliseconds:0} ms ({worst.Phase}, {worst.Path}); " +
            string.Join(", ", reads.GroupBy(read => read.Phase).Select(g => $"{g.Key}: {g.Count()} reads, worst {g.Max(read => read.Latency).TotalMilliseconds:0} ms")));
        Assert.All(reads, read => Assert.Equal(HttpStatusCode.OK, read.Status));
        Assert.Contains(reads, read => read.Phase == "killed");
        Assert.True(worst.Latency <= ReadBound, $"The slowest read took {worst.Latency.TotalMilliseconds:0} ms ({worst.Phase}, {worst.Path}).");
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }

        await AssertCachingInRedisAgainAsync(api);
    }

    /// <summary>SIGKILL to the redis-server process the orchestrator runs; the orchestrator then reports it exited.</summary>
    private async Task KillRedisAsync()
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState("redis", out var redis));
        var pid = redis.Snapshot.Properties.Single(property => property.Name == "executable.pid").Value;
        using var process = Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture));
        process.Kill();
        await fixture.App.ResourceNotifications.WaitForResourceAsync("redis", KnownResourceStates.TerminalStates, CancellationToken);
    }

    /// <summary>The serial tests after this one rely on both replicas writing to Redis again.</summary>
    private async Task AssertCachingInRedisAgainAsync(HttpClient api)
    {
        var afterwards = await RegisterAndLoginAsync(api);
        foreach (var replica in fixture.CreateApiReplicaClients())
        {
            using (replica)
            {
                await Eventually.HoldsAsync(
                    async () =>
                    {
                        using var response = await GetAsync(replica, "/library?page=2", afterwards.Tokens.AccessToken);
                        return await fixture.Redis.GetDatabase().KeyExistsAsync($"cache:library:{afterwards.Id}:all.20:2");
                    },
                    TimeSpan.FromSeconds(30),
                    "each replica caches in Redis again");
                await fixture.Redis.GetDatabase().KeyDeleteAsync($"cache:library:{afterwards.Id}:all.20:2");
            }
        }
    }
}
