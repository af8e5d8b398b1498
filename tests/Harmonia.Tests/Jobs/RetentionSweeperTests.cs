using Harmonia.Jobs;
using Harmonia.Music;
using Harmonia.Tests.Redis;
using Harmonia.Worker.Retention;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;

namespace Harmonia.Tests.Jobs;

/// <summary>
/// A retention round that fails in a way no Redis or MongoDB exception type names is logged and retried next round;
/// it never stops the worker. A worker in a CI run stopped that way: a connection torn down under its first round's
/// Redis write cancelled the call. Redis here is <see cref="CancellingRedis"/> (and MongoDB is never reached).
/// </summary>
public sealed class RetentionSweeperTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ARoundCancelledUnderneathIsRetriedNextRoundWhileTheWorkerRuns()
    {
        var calls = new CancelledCalls();
        var redis = CancellingRedis.Connect(calls);
        var database = new MongoClient("mongodb://127.0.0.1:1").GetDatabase("never-reached");
        var retention = new RetentionOptions { Interval = TimeSpan.FromMinutes(1) };
        using var sweeper = new RetentionSweeper(
            new JobStore(database, _time), new SongStore(database), redis, Options.Create(new JobQueueOptions()), Options.Create(retention), _time,
            NullLogger<RetentionSweeper>.Instance);

        await sweeper.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => calls.Count > 0, TimeSpan.FromSeconds(10)), "the first round never ran");
        _time.Advance(retention.Interval);
        var secondRound = SpinWait.SpinUntil(() => calls.Count > 1, TimeSpan.FromSeconds(10));

        Assert.True(secondRound, "the sweeper did not try again after its round failed");
        Assert.False(sweeper.ExecuteTask!.IsCompleted);
        await sweeper.StopAsync(TestContext.Current.CancellationToken);
    }
}
