using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>The rate-limit script itself on the AppHost's Redis: what settling a large lease writes into the shared count.</summary>
public sealed class LeaseSettlementTests(AppHostFixture fixture)
{
    private static readonly RateLimitPolicy Large = new("settle-test", new RateLimitQuota { Limit = 100_000, Window = TimeSpan.FromMinutes(1) });

    [Fact]
    public async Task SettlingALeaseLogsEveryUsedUnitAndReturnsTheRestEvenBeyondOneBatch()
    {
        var window = new RedisSlidingWindow(fixture.Redis, Options.Create(new RateLimitingOptions()), TimeProvider.System, NullLogger<RedisSlidingWindow>.Instance);
        var key = $"settle-test:{{u:{Guid.NewGuid():N}}}:{Large.Name}:route";
        var leaseDuration = TimeSpan.FromSeconds(30);

        var granted = await window.TryDecideAsync(key, Large, new LeaseExchange("a:1", null, 0, Want: 5_000, leaseDuration));
        var settled = await window.TryDecideAsync(key, Large, new LeaseExchange("a:2", granted!.Value.Lease, SettleUsed: 1_234, Want: 0, leaseDuration));

        // 1,234 used units span three of the script's ZADD batches (500 each); with the two requests, all are in the log.
        Assert.Equal(5_000, granted.Value.Leased);
        Assert.Equal(2 + 1_234, await fixture.Redis.GetDatabase().SortedSetLengthAsync(key));
        Assert.Equal(0, await fixture.Redis.GetDatabase().SortedSetLengthAsync(RateLimitKeys.LeasesOf(key)));
        Assert.Equal(Large.Limit - 2 - 1_234, settled!.Value.Decision.Remaining);
    }
}
