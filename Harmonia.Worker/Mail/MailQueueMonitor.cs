using Harmonia.DataStores;
using Harmonia.Mail;

namespace Harmonia.Worker.Mail;

/// <summary>Samples the outbox for <see cref="MailMetrics"/>' gauges on a timer, never per export.</summary>
public sealed partial class MailQueueMonitor(MailOutbox outbox, MailMetrics metrics, TimeProvider timeProvider, ILogger<MailQueueMonitor> logger)
    : BackgroundService
{
    /// <summary>Metrics are exported every few seconds; sampling faster would only add MongoDB queries.</summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleInterval, timeProvider);
        do
        {
            try
            {
                var (depth, oldest) = await outbox.MeasureAsync(stoppingToken);
                metrics.Queue(depth, oldest is { } createdAt ? timeProvider.GetUtcNow().UtcDateTime - createdAt : TimeSpan.Zero);
            }
            catch (Exception exception) when (exception.EndsOnlyThisRound(stoppingToken))
            {
                LogSampleFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling the mail outbox failed.")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
