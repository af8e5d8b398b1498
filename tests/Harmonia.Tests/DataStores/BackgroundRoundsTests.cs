using Harmonia.DataStores;
using Microsoft.Extensions.Time.Testing;

namespace Harmonia.Tests.DataStores;

/// <summary>The loop every periodic background service runs its rounds in: only shutdown ends it.</summary>
public sealed class BackgroundRoundsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private int _rounds;
    private int _failures;

    [Fact]
    public async Task RoundsThatFailWithAnythingAreReportedAndTheNextRoundStillRuns()
    {
        using var stopping = new CancellationTokenSource();
        Exception[] failures = [new InvalidOperationException("a bug"), new TaskCanceledException("a Redis call cancelled underneath"), new TimeoutException()];
        var loop = BackgroundRounds.RunAsync(Interval, _time, _ => throw failures[_rounds++ % failures.Length], _ => _failures++, stopping.Token);

        for (var round = 1; round <= failures.Length + 1; round++)
        {
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref _failures) == round, Patience), $"round {round} did not run");
            _time.Advance(Interval);
        }

        Assert.False(loop.IsCompleted);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task AFirstRoundAfterOneIntervalWaitsForIt()
    {
        using var stopping = new CancellationTokenSource();
        var loop = BackgroundRounds.RunAsync(Interval, _time, _ => { _rounds++; return Task.CompletedTask; }, _ => _failures++, stopping.Token, firstAtOnce: false);

        Assert.Equal(0, Volatile.Read(ref _rounds));
        _time.Advance(Interval);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref _rounds) == 1, Patience), "the first round did not run after one interval");

        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        Assert.Equal(0, _failures);
    }

    [Fact]
    public async Task ShutdownDuringARoundEndsTheLoop()
    {
        using var stopping = new CancellationTokenSource();
        var loop = BackgroundRounds.RunAsync(Interval, _time, async token => await Task.Delay(Timeout.Infinite, token), _ => _failures++, stopping.Token);

        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        Assert.Equal(0, _failures);
    }
}
