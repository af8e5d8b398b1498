using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// The rate-limit script itself on the AppHost's Redis: what settling a lease writes into the shared count, how the
/// count's tally follows units out of the window, and what happens when Redis evicts one of its keys.
/// </summary>
public sealed class LeaseSettlementTests(AppHostFixture fixture)
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The script's answers are under test, not the timeout: the longest wait the options allow, so a call on a busy
    /// machine is not given up at the shipped 250 ms and decided "alone" (null here).
    /// </summary>
    private readonly RedisSlidingWindow _window = new(
        fixture.Redis, Options.Create(new RateLimitingOptions { RedisTimeout = TimeSpan.FromSeconds(5) }), TimeProvider.System, NullLogger<RedisSlidingWindow>.Instance);

    private IDatabase Redis => fixture.Redis.GetDatabase();

    [Fact]
    public async Task SettlingALeaseLogsItsUsedUnitsAsOneEntryAndReturnsTheRest()
    {
        var policy = Policy(100_000, TimeSpan.FromMinutes(1));
        var key = NewKey(policy);

        var (leased, settled) = await LeaseAndSettleAsync(key, policy, want: 5_000, used: 1_234);

        // Two requests and one entry for the lease's 1,234 used units, however many units a lease held.
        Assert.Equal(5_000, leased);
        Assert.Equal(3, await Redis.SortedSetLengthAsync(key));
        Assert.Equal(2 + 1_234, (long)await Redis.StringGetAsync(RateLimitKeys.TallyOf(key)));
        Assert.Equal(0, await Redis.SortedSetLengthAsync(RateLimitKeys.LeasesOf(key)));
        Assert.Equal(policy.Limit - 2 - 1_234, settled.Remaining);
    }

    [Fact]
    public async Task UnitsLeavingTheWindowReturnExactlyAndTheTallyGoesWithTheLastOfThem()
    {
        var policy = Policy(1_000, TimeSpan.FromSeconds(1));
        var key = NewKey(policy);
        var (_, settled) = await LeaseAndSettleAsync(key, policy, want: 200, used: 150);
        Assert.Equal(policy.Limit - 2 - 150, settled.Remaining);

        // A call that only looks (no request, no lease) sees every unit back once the window has passed.
        await Eventually.HoldsAsync(async () => await FreeAsync(key, policy) == policy.Limit, TimeSpan.FromSeconds(10), "every unit is free one window later");
        Assert.False(await Redis.KeyExistsAsync(RateLimitKeys.TallyOf(key)));
        Assert.False(await Redis.KeyExistsAsync(key));
    }

    [Fact]
    public async Task ATallyEvictedWithoutItsLogIsCountedAgainFromTheLog()
    {
        var policy = Policy(1_000, TimeSpan.FromMinutes(1));
        var key = NewKey(policy);
        await LeaseAndSettleAsync(key, policy, want: 200, used: 150);

        await Redis.KeyDeleteAsync(RateLimitKeys.TallyOf(key));

        Assert.Equal(policy.Limit - 2 - 150, await FreeAsync(key, policy));
        Assert.Equal(2 + 150, (long)await Redis.StringGetAsync(RateLimitKeys.TallyOf(key)));
    }

    [Fact]
    public async Task ATallyWhoseLogWasEvictedCountsNothing()
    {
        var policy = Policy(1_000, TimeSpan.FromMinutes(1));
        var key = NewKey(policy);
        await _window.TryDecideAsync(key, policy, new LeaseExchange("a:1", null, 0, Want: 0, LeaseDuration));

        await Redis.KeyDeleteAsync(key);

        Assert.Equal(policy.Limit, await FreeAsync(key, policy));
        Assert.False(await Redis.KeyExistsAsync(RateLimitKeys.TallyOf(key)));
    }

    /// <summary>
    /// A request that leases <paramref name="want"/> units, and the next, which settles that lease with
    /// <paramref name="used"/> of them admitted: the units leased and the second request's decision.
    /// </summary>
    private async Task<(int Leased, RateLimitDecision Settled)> LeaseAndSettleAsync(string key, RateLimitPolicy policy, int want, int used)
    {
        var granted = await _window.TryDecideAsync(key, policy, new LeaseExchange("a:1", null, 0, Want: want, LeaseDuration));
        var settled = await _window.TryDecideAsync(key, policy, new LeaseExchange("a:2", granted!.Value.Lease, SettleUsed: used, Want: 0, LeaseDuration));
        return (granted.Value.Leased, settled!.Value.Decision);
    }

    /// <summary>What the count has free, from a call that decides no request and leases nothing.</summary>
    private async Task<int> FreeAsync(string key, RateLimitPolicy policy) =>
        (await _window.TryDecideAsync(key, policy, new LeaseExchange($"probe:{Guid.NewGuid():N}", null, 0, Want: 0, LeaseDuration, Admit: false)))!.Value.Decision.Remaining;

    private static RateLimitPolicy Policy(int limit, TimeSpan window) => new("settle-test", new RateLimitQuota { Limit = limit, Window = window });

    private static string NewKey(RateLimitPolicy policy) => $"settle-test:{{u:{Guid.NewGuid():N}}}:{policy.Name}:route";
}
