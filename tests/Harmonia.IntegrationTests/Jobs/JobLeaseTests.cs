using Harmonia.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>A job's lease against the AppHost's Redis, its renewals driven by a fake clock.</summary>
public sealed class JobLeaseTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RenewalInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ReleasingStopsTheRenewalsSoTheLeaseStaysFreeForTheNextWorker()
    {
        var database = fixture.Redis.GetDatabase();
        var jobId = $"lease-test-{Guid.NewGuid():N}";
        var key = JobKeys.Lease(jobId);
        var clock = new FakeTimeProvider();
        var stream = new JobStreamConsumer(fixture.Redis, Options.Create(new JobQueueOptions { Queue = $"lease-test-{Guid.NewGuid():N}" }));
        var lease = await JobLease.TryAcquireAsync(database, jobId, TimeSpan.FromMinutes(1), NullLogger.Instance);
        Assert.NotNull(lease);
        lease.StartRenewing(stream, "0-1", new JobCancellations(fixture.Redis), RenewalInterval, clock);

        // A renewal takes a missing key again (Redis forgot it), which shows that renewals run.
        await database.KeyDeleteAsync(key);
        clock.Advance(RenewalInterval);
        await Eventually.HoldsAsync(async () => await database.StringGetAsync(key) == lease.Token, TimeSpan.FromSeconds(10), "the renewal took the lease again");

        // Bounded: a release that does not stop the renewals never returns.
        await lease.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(await database.KeyExistsAsync(key));

        // Disposing waited for the renewals to end, so later ticks cannot take the released lease back.
        clock.Advance(RenewalInterval * 3);
        Assert.False(await database.KeyExistsAsync(key));
        await using var next = await JobLease.TryAcquireAsync(database, jobId, TimeSpan.FromMinutes(1), NullLogger.Instance);
        Assert.NotNull(next);
    }
}
