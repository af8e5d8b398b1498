using Harmonia.Api.Auth;
using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;
using Harmonia.Notifications;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Retention;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Driver;

namespace Harmonia.Tests.Redis;

/// <summary>
/// A Redis call failed under a long-running loop by a connection StackExchange.Redis tears down (<see cref="Teardown"/>)
/// ends at most that round: the loop retries and keeps running, and a request that published through it still succeeds.
/// An exception that leaves a background service stops the whole process: in CI runs a worker stopped so when its first
/// retention round's Redis write was cancelled, and another when its first call at start-up failed with the pipe's
/// <c>InvalidOperationException</c>. A request whose Redis call fails so takes its Redis-away path, not a 500. MongoDB is
/// never reached here.
/// </summary>
public sealed class TornDownRedisCallTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly FailedCalls _calls = new();

    [Theory]
    [InlineData(Teardown.Cancelled)]
    [InlineData(Teardown.PipeCompleted)]
    public async Task ARetentionRoundFailedUnderneathIsRetriedNextRoundWhileTheWorkerRuns(Teardown teardown)
    {
        var database = NeverReached().GetDatabase("never-reached");
        var retention = new RetentionOptions { Interval = TimeSpan.FromMinutes(1) };
        using var sweeper = new RetentionSweeper(
            new JobStore(database, _time), new SongStore(database), new MailOutbox(database, _time), TornDownRedis.Connect(teardown, _calls), Options.Create(new JobQueueOptions()),
            Options.Create(retention), _time, NullLogger<RetentionSweeper>.Instance);

        await sweeper.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _calls.Count > 0, Patience), "the first round never ran");
        _time.Advance(retention.Interval);

        Assert.True(SpinWait.SpinUntil(() => _calls.Count > 1, Patience), "the sweeper did not try again after its round failed");
        Assert.False(sweeper.ExecuteTask!.IsCompleted);
        await sweeper.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(Teardown.Cancelled)]
    [InlineData(Teardown.PipeCompleted)]
    public async Task TheJobWorkerRetriesConnectingAndKeepsRunning(Teardown teardown)
    {
        using var host = WorkerHost(teardown);
        var worker = host.Services.GetServices<IHostedService>().OfType<JobWorker>().Single();

        await worker.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _calls.Count > 0, Patience), "the worker never called Redis");
        var firstAttempt = _calls.Count;

        // Its retry waits a second on the (fake) clock, from whenever it got there.
        Assert.True(SpinWait.SpinUntil(() => { _time.Advance(TimeSpan.FromSeconds(1)); return _calls.Count > firstAttempt; }, Patience), "the worker did not try again");
        Assert.False(worker.ExecuteTask!.IsCompleted);
        await worker.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(Teardown.Cancelled)]
    [InlineData(Teardown.PipeCompleted)]
    public async Task RevocationsKeepPollingAndARevocationIsStillFinalHere(Teardown teardown)
    {
        var options = new AuthOptions();
        using var revocations = new SessionRevocations(TornDownRedis.Connect(teardown, _calls), Options.Create(options), _time, NullLogger<SessionRevocations>.Instance);

        await revocations.PublishAsync(["6b13ae11d04d119e94c272a5"]);
        var published = _calls.Count;
        await revocations.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _calls.Count > published, Patience), "the first poll never ran");
        var firstPoll = _calls.Count;
        _time.Advance(options.RevocationPollInterval);

        Assert.True(SpinWait.SpinUntil(() => _calls.Count > firstPoll, Patience), "revocations stopped polling");
        Assert.False(revocations.ExecuteTask!.IsCompleted);
        Assert.True(revocations.IsEnded("6b13ae11d04d119e94c272a5"));
        await revocations.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(Teardown.Cancelled)]
    [InlineData(Teardown.PipeCompleted)]
    public async Task ARequestWhoseRedisReadFailsUnderneathGetsRedisAwaysAnswer(Teardown teardown)
    {
        var redis = TornDownRedis.Connect(teardown, _calls);
        var notifications = new UserNotifications(redis, Options.Create(new NotificationOptions()), _time, NullLogger<UserNotifications>.Instance);
        var statuses = new JobStatusStore(redis, notifications, NullLogger<JobStatusStore>.Instance);

        // Redis away: no snapshot, so the job's status is read from MongoDB; not a 500.
        Assert.Null(await statuses.TryReadAsync("6b13ae11d04d119e94c272a5"));
        Assert.Equal(1, _calls.Count);
    }

    [Fact]
    public async Task OnlyACancellationWithNoOnesTokenIsRedisBeingAway()
    {
        using var request = new CancellationTokenSource();
        await request.CancelAsync();
        var redisCancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TornDownRedis.Connect(Teardown.Cancelled, _calls).GetDatabase().PingAsync());
        var requestAborted = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, request.Token));

        Assert.True(redisCancelled.IsRedisFailure());
        Assert.False(requestAborted.IsRedisFailure());
    }

    [Fact]
    public void OfInvalidOperationExceptionsOnlyThePipesIsRedisBeingAway()
    {
        Assert.True(TornDownRedis.ReadingACompletedPipe().IsRedisFailure());
        Assert.False(new InvalidOperationException("A bug.").IsRedisFailure());
    }

    /// <summary>The worker's job processing as its Program registers it, on the stand-in Redis and a MongoDB never reached.</summary>
    private IHost WorkerHost(Teardown teardown)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = "cancelled-calls" });
        builder.Services.AddMetrics();
        builder.Services.AddLogging();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(TornDownRedis.Connect(teardown, _calls));
        var mongo = NeverReached();
        builder.Services.AddSingleton<IMongoClient>(mongo);
        builder.Services.AddSingleton(mongo.GetDatabase("never-reached"));
        // Only a finished job invalidates the cache, and none runs: an in-memory HybridCache stands in for Redis's.
        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<CacheMetrics>();
        builder.Services.AddSingleton<CacheInvalidator>();
        builder.Services.AddSingleton<InvalidationRepeats>();
        builder.AddJobProcessing();
        return builder.Build();
    }

    private static MongoClient NeverReached() => new("mongodb://127.0.0.1:1");
}
