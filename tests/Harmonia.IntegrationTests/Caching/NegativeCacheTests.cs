using System.Buffers.Binary;
using System.Net;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using ZiggyCreatures.Caching.Fusion;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// ObjectIds are predictable (time, process, counter), so an id can be looked up before its entity exists. The
/// "not found" that lookup caches must not hide the entity once it does: creating it writes through on every
/// instance, and a miss is cached only briefly in any case.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class NegativeCacheTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    /// <summary>Room for a busy machine beyond a bound the test counts from a step it took itself.</summary>
    private static readonly TimeSpan BusyMachine = TimeSpan.FromSeconds(3);

    /// <summary>How many of the ids this process generates next are looked up before the account is created.</summary>
    private const int FollowingCounters = 16;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAccountWhoseIdWasLookedUpBeforeItExistedIsServedOnceRegistered()
    {
        using var appHost = fixture.CreateApiClient();
        var reader = await RegisterAndLoginAsync(appHost);
        await using var registering = await InProcessApi.StartAsync(fixture);
        await using var looking = await InProcessApi.StartAsync(fixture);
        using var registeringClient = registering.CreateClient();
        using var lookingClient = looking.CreateClient();

        // Both instances run in this process and no other test runs beside this one, so the account's ObjectId is
        // among the next few this process generates (one CI run saw something else in the process take the very next
        // one), within the next few seconds on a busy machine. Every candidate is looked up, so the account's id is too.
        var predicted = NextIds(ObjectId.GenerateNewId());
        try
        {
            await Parallel.ForEachAsync(predicted, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken }, async (id, _) =>
                Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(lookingClient, $"/users/{id}", reader.Tokens.AccessToken)));

            var created = (await RegisterAndLoginAsync(registeringClient, "Predicted")).Id;

            Assert.Contains(ObjectId.Parse(created), predicted);
            await Eventually.HoldsAsync(
                async () => await GetStatusAsync(lookingClient, $"/users/{created}", reader.Tokens.AccessToken) == HttpStatusCode.OK,
                Propagation,
                "the instance that cached the id as unknown serves the new account");
        }
        finally
        {
            // The candidates nobody took are cached as missing: move this process's counter past them, so that no
            // later test's entity gets one of those ids.
            for (var i = 0; i < FollowingCounters; i++)
            {
                ObjectId.GenerateNewId();
            }
        }
    }

    [Fact]
    public async Task AMissIsCachedOnlyForTheAreasMissExpiration()
    {
        using var appHost = fixture.CreateApiClient();
        var reader = await RegisterAndLoginAsync(appHost);
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Cache:Areas:profile:MissExpiration"] = "00:00:01" });
        using var client = instance.CreateClient();
        var id = ObjectId.GenerateNewId().ToString();
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken));

        // Created behind the API's back (another service, a restore): only the miss's expiry can reveal it.
        await fixture.Database.GetCollection<UserDocument>(UserStore.Name).InsertOneAsync(
            new UserDocument { Id = id, Email = NewEmail(), NormalizedEmail = NewEmail(), PasswordHash = "", DisplayName = "Restored" },
            cancellationToken: CancellationToken);

        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken) == HttpStatusCode.OK,
            TimeSpan.FromSeconds(1) + Propagation,
            "the profile is served once the cached miss expires");
    }

    /// <summary>
    /// A read in the last part of a cached miss's life refreshes it in the background, with the options of that read: the
    /// area's hour in Redis and minute in L1, unless the absence is stored as one whoever looks it up. Predictable ids make
    /// such reads easy to time (one every ~9.5 s keeps an id refreshed). The instance gives profiles a 4 s miss and eager
    /// refresh at half its life, so the window is 2 s wide on a busy machine, and every read here is inside it or before.
    /// </summary>
    [Fact]
    public async Task AMissRefreshedEagerlyIsStillCachedOnlyForTheAreasMissExpiration()
    {
        var missExpiration = TimeSpan.FromSeconds(4);
        using var appHost = fixture.CreateApiClient();
        var reader = await RegisterAndLoginAsync(appHost);
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Cache:Areas:profile:MissExpiration"] = missExpiration.ToString(),
            ["Harmonia:Cache:Areas:profile:EagerRefreshThreshold"] = "0.5",
        });
        using var client = instance.CreateClient();
        var id = ObjectId.GenerateNewId().ToString();
        using var mongo = new MetricRecorder("Harmonia.MongoDB");
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken));

        // Reads come every 50 ms, so the miss's second lookup is the eager refresh one of them starts.
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken) == HttpStatusCode.NotFound
                && Auth.SessionCacheTests.MongoCommands(mongo, "users", "find") >= 2,
            missExpiration + Propagation,
            "the cached miss is refreshed");
        await fixture.Database.GetCollection<UserDocument>(UserStore.Name).InsertOneAsync(
            new UserDocument { Id = id, Email = NewEmail(), NormalizedEmail = NewEmail(), PasswordHash = "", DisplayName = "Restored" },
            cancellationToken: CancellationToken);

        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken) == HttpStatusCode.OK,
            missExpiration + BusyMachine,
            "the profile is served once the refreshed miss expires");
    }

    /// <summary>
    /// A read that finds nothing stores the absence once, with the area's miss durations. It used to store it a second
    /// time after the call (one more L1 write, Redis write and backplane notice per unknown id), which only the other
    /// engine needs: an attacker's stream of unknown ids cost twice the writes. Counted from the instance's own
    /// FusionCache, whose stores of a read happen before the read returns.
    /// </summary>
    [Fact]
    public async Task AMissIsStoredOnce()
    {
        using var appHost = fixture.CreateApiClient();
        var reader = await RegisterAndLoginAsync(appHost);
        await using var instance = await InProcessApi.StartAsync(fixture);
        using var client = instance.CreateClient();
        var id = ObjectId.GenerateNewId().ToString();
        var key = ProfileKeys.Profile(id);
        var stores = 0;
        instance.Services.GetRequiredService<IFusionCache>().Events.Set += (_, stored) =>
        {
            if (stored.Key == key)
            {
                Interlocked.Increment(ref stores);
            }
        };

        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(client, $"/users/{id}", reader.Tokens.AccessToken));

        Assert.Equal(1, Volatile.Read(ref stores));
    }

    /// <summary>The ids that can follow <paramref name="last"/> in its process: the next <see cref="FollowingCounters"/> counters, in this second or the next nine.</summary>
    private static ObjectId[] NextIds(ObjectId last)
    {
        var bytes = last.ToByteArray();
        var counter = (bytes[9] << 16) | (bytes[10] << 8) | bytes[11];
        return [.. from second in Enumerable.Range(0, 10)
                   from step in Enumerable.Range(1, FollowingCounters)
                   select WithTimeAndCounter(bytes, last.Timestamp + second, counter + step)];
    }

    private static ObjectId WithTimeAndCounter(byte[] template, int timestamp, int counter)
    {
        var next = (byte[])template.Clone();
        BinaryPrimitives.WriteInt32BigEndian(next, timestamp);
        next[9] = (byte)(counter >> 16);
        next[10] = (byte)(counter >> 8);
        next[11] = (byte)counter;
        return new ObjectId(next);
    }
}
