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

    [Fact]
    public async Task RenewalsKeepAnUnfinishedStatusAliveAndLeaveAFinishedOnesLifetimeAlone()
    {
        var database = fixture.Redis.GetDatabase();
        var (running, finished) = ($"lease-test-{Guid.NewGuid():N}", $"lease-test-{Guid.NewGuid():N}");
        var clock = new FakeTimeProvider();
        var stream = new JobStreamConsumer(fixture.Redis, Options.Create(new JobQueueOptions { Queue = $"lease-test-{Guid.NewGuid():N}" }));
        // A generator that reports no progress for a while: its job's status is about to lapse.
        await database.HashSetAsync(JobKeys.Status(running), "version", 2);
        await database.KeyExpireAsync(JobKeys.Status(running), TimeSpan.FromSeconds(2));
        await database.HashSetAsync(JobKeys.Status(finished), "version", 3);
        await database.KeyExpireAsync(JobKeys.Status(finished), JobKeys.StatusTimeToLive);
        await using var runningLease = await JobLease.TryAcquireAsync(database, running, TimeSpan.FromMinutes(1), NullLogger.Instance);
        await using var finishedLease = await JobLease.TryAcquireAsync(database, finished, TimeSpan.FromMinutes(1), NullLogger.Instance);
        runningLease!.StartRenewing(stream, "0-1", new JobCancellations(fixture.Redis), RenewalInterval, clock);
        finishedLease!.StartRenewing(stream, "0-2", new JobCancellations(fixture.Redis), RenewalInterval, clock);

        clock.Advance(RenewalInterval);

        await Eventually.HoldsAsync(
            async () => await database.KeyTimeToLiveAsync(JobKeys.Status(running)) > TimeSpan.FromSeconds(5),
            TimeSpan.FromSeconds(10),
            "the renewal gave the unfinished status its full lifetime again");
        Assert.InRange(await database.KeyTimeToLiveAsync(JobKeys.Status(running)) ?? TimeSpan.Zero, TimeSpan.Zero, JobKeys.UnfinishedStatusTimeToLive);
        Assert.True(await database.KeyTimeToLiveAsync(JobKeys.Status(finished)) > JobKeys.StatusTimeToLive - TimeSpan.FromMinutes(1));
    }
}
