using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Harmonia.Tests.DataStores;

/// <summary>A store's health check runs once for every caller in flight, and once a second at most.</summary>
public sealed class ThrottledHealthCheckTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CountingCheck _store = new();
    private readonly HealthCheckRegistration _registration;

    public ThrottledHealthCheckTests()
    {
        _registration = new HealthCheckRegistration("store", _store, HealthStatus.Degraded, tags: null);
        ThrottledHealthCheck.Wrap(_registration, new ServiceCollection().BuildServiceProvider(), _time);
    }

    [Fact]
    public async Task CallersWhileARunIsInFlightAllAwaitThatOneRun()
    {
        _store.Hold();

        var callers = Enumerable.Range(0, 20).Select(_ => CheckAsync()).ToList();
        _store.Release(HealthCheckResult.Degraded("store down"));
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, _store.Runs);
        Assert.All(results, result => Assert.Equal(HealthStatus.Degraded, result.Status));
    }

    [Fact]
    public async Task AResultServesForOneSecondAfterItsRunEndsAndThenTheStoreIsCheckedAgain()
    {
        await CheckAsync();

        _time.Advance(ThrottledHealthCheck.ResultLifetime - TimeSpan.FromMilliseconds(1));
        await CheckAsync();
        Assert.Equal(1, _store.Runs);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await CheckAsync();
        Assert.Equal(2, _store.Runs);
    }

    [Fact]
    public async Task ACallerThatGivesUpLeavesTheRunToTheOthers()
    {
        _store.Hold();
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var gaveUp = CheckUntilAsync(hangUp.Token);
        var stayed = CheckAsync();
        await hangUp.CancelAsync();
        _store.Release(HealthCheckResult.Healthy());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.Equal(HealthStatus.Healthy, (await stayed).Status);
        Assert.Equal(1, _store.Runs);
    }

    private Task<HealthCheckResult> CheckAsync() => CheckUntilAsync(TestContext.Current.CancellationToken);

    /// <summary>As <c>HealthCheckService</c> calls a check: a new instance from the registration each time.</summary>
    private Task<HealthCheckResult> CheckUntilAsync(CancellationToken cancellationToken) =>
        _registration.Factory(new ServiceCollection().BuildServiceProvider())
            .CheckHealthAsync(new HealthCheckContext { Registration = _registration }, cancellationToken);

    /// <summary>Counts its runs; answers at once, or, once held, when released.</summary>
    private sealed class CountingCheck : IHealthCheck
    {
        private TaskCompletionSource<HealthCheckResult>? _held;
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public void Hold() => _held = new TaskCompletionSource<HealthCheckResult>(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(HealthCheckResult result) => _held!.SetResult(result);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return _held?.Task ?? Task.FromResult(HealthCheckResult.Healthy());
        }
    }
}
