using System.Reflection;
using Harmonia.Jobs;
using Harmonia.Music;
using Harmonia.Worker.Retention;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Tests.Jobs;

/// <summary>
/// A retention round that fails in a way no Redis or MongoDB exception type names is logged and retried next round;
/// it never stops the worker. A worker in a CI run stopped that way: a connection torn down under its first round's
/// Redis write cancelled the call. No real server fails so on demand, so Redis here is a stand-in that cancels every
/// call (and MongoDB is never reached).
/// </summary>
public sealed class RetentionSweeperTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ARoundCancelledUnderneathIsRetriedNextRoundWhileTheWorkerRuns()
    {
        var redis = DispatchProxy.Create<IConnectionMultiplexer, CancellingRedis>();
        var database = new MongoClient("mongodb://127.0.0.1:1").GetDatabase("never-reached");
        var retention = new RetentionOptions { Interval = TimeSpan.FromMinutes(1) };
        using var sweeper = new RetentionSweeper(
            new JobStore(database, _time), new SongStore(database), redis, Options.Create(new JobQueueOptions()), Options.Create(retention), _time,
            NullLogger<RetentionSweeper>.Instance);

        var before = CancellingRedis.Calls;
        await sweeper.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => CancellingRedis.Calls > before, TimeSpan.FromSeconds(10)), "the first round never ran");
        _time.Advance(retention.Interval);
        var secondRound = SpinWait.SpinUntil(() => CancellingRedis.Calls > before + 1, TimeSpan.FromSeconds(10));

        Assert.True(secondRound, "the sweeper did not try again after its round failed");
        Assert.False(sweeper.ExecuteTask!.IsCompleted);
        await sweeper.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>An <see cref="IConnectionMultiplexer"/> (and its database) whose every Redis write is cancelled.</summary>
    public class CancellingRedis : DispatchProxy
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IConnectionMultiplexer.GetDatabase) => Create<IDatabase, CancellingRedis>(),
            nameof(IDatabaseAsync.StringSetAsync) => Cancelled(),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };

        private static Task<bool> Cancelled()
        {
            Interlocked.Increment(ref _calls);
            return Task.FromCanceled<bool>(new CancellationToken(canceled: true));
        }
    }
}
