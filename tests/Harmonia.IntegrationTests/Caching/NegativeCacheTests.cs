using System.Buffers.Binary;
using System.Net;
using Harmonia.Api.Users;
using MongoDB.Bson;
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
