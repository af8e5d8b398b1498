using System.Collections.Concurrent;
using System.Threading.Channels;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Feeds <see cref="JobRunner"/> from the queue's stream, never running more than
/// <see cref="JobWorkerOptions.Concurrency"/> jobs. StackExchange.Redis cannot block on XREADGROUP, so an idle
/// worker waits for a wake-up notice published with every dispatch (a new job starts within a round trip)
/// and otherwise looks again every <see cref="JobWorkerOptions.PollInterval"/>, which is also when it
/// promotes due retries and takes over entries whose lease expired.
/// </summary>
public sealed partial class JobWorker(
    JobStreamConsumer stream,
    JobDispatcher dispatcher,
    JobRunner runner,
    JobCancellations cancellations,
    JobMetrics metrics,
    IConnectionMultiplexer redis,
    IOptions<JobQueueOptions> queue,
    IOptionsMonitor<JobWorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<JobWorker> logger) : BackgroundService
{
    private static readonly TimeSpan RedisRetryDelay = TimeSpan.FromSeconds(1);

    // Holds at most one pending signal: any number of notices while busy mean just "look again".
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private long _lastRunId;
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.CurrentValue;
        await ConnectAsync(stoppingToken);
        LogStarted(logger, stream.ConsumerName, queue.Value.Queue, settings.Concurrency);

        var nextMaintenance = timeProvider.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before looking, so a notice that arrives while looking makes the wait below return at once.
                _signal.Reader.TryRead(out _);
                try
                {
                    var free = settings.Concurrency - Volatile.Read(ref _inFlight);
                    if (free > 0 && timeProvider.GetUtcNow() >= nextMaintenance)
                    {
                        nextMaintenance = timeProvider.GetUtcNow() + settings.PollInterval;
                        await dispatcher.PromoteDueAsync();
                        var reclaimed = await stream.ReclaimAsync(settings.LeaseDuration, free);
                        Start(reclaimed, reclaimed: true, stoppingToken);
                        free -= reclaimed.Count;
                    }

                    if (free > 0)
                    {
                        var fresh = await stream.ReadNewAsync(free);
                        Start(fresh, reclaimed: false, stoppingToken);
                        if (fresh.Count == free)
                        {
                            // The stream may hold more; look again as soon as a slot frees.
                            continue;
                        }
                    }
                }
                catch (Exception exception) when (exception.IsRedisFailure())
                {
                    LogRedisUnavailable(logger, exception);
                    await Task.Delay(RedisRetryDelay, timeProvider, stoppingToken);
                    continue;
                }

                // With every slot busy, only a finished job (which signals) lets this worker take more.
                var saturated = Volatile.Read(ref _inFlight) >= settings.Concurrency;
                await _signal.Reader.WaitToReadAsync(saturated ? settings.PollInterval : nextMaintenance - timeProvider.GetUtcNow(), timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Running jobs see the same token and hand themselves back to the queue.
        await Task.WhenAll(_running.Values);
    }

    private async Task ConnectAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await stream.EnsureGroupAsync();
                await redis.GetSubscriber().SubscribeAsync(JobKeys.WakeChannel(queue.Value.Queue), (_, _) => _signal.Writer.TryWrite(true));
                await cancellations.SubscribeAsync();
                return;
            }
            catch (Exception exception) when (exception.IsRedisFailure())
            {
                LogRedisUnavailable(logger, exception);
                await Task.Delay(RedisRetryDelay, timeProvider, stoppingToken);
            }
        }
    }

    private void Start(IReadOnlyList<DispatchedJob> jobs, bool reclaimed, CancellationToken stoppingToken)
    {
        foreach (var job in jobs)
        {
            var id = Interlocked.Increment(ref _lastRunId);
            Interlocked.Increment(ref _inFlight);
            var run = RunAsync(id, job, reclaimed, stoppingToken);
            _running[id] = run;
            if (run.IsCompleted)
            {
                // It finished before it was recorded, so its own removal found nothing.
                _running.TryRemove(id, out _);
            }
        }
    }

    private async Task RunAsync(long id, DispatchedJob job, bool reclaimed, CancellationToken stoppingToken)
    {
        // Off the fetch loop at once, so one job's synchronous start never delays the next read.
        await Task.Yield();
        metrics.InFlight.Add(1);
        try
        {
            await runner.RunAsync(job, reclaimed, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // Left unacknowledged: another worker takes the entry over once its lease expires.
            LogRunFailed(logger, job.JobId, exception);
        }
        finally
        {
            metrics.InFlight.Add(-1);
            _running.TryRemove(id, out _);
            Interlocked.Decrement(ref _inFlight);
            _signal.Writer.TryWrite(true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Consumer} consuming queue {Queue}, {Concurrency} job(s) at a time.")]
    private static partial void LogStarted(ILogger logger, string consumer, string queue, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable; the worker tries again shortly.")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: the attempt broke off; another worker takes it over once its lease expires.")]
    private static partial void LogRunFailed(ILogger logger, string jobId, Exception exception);
}
