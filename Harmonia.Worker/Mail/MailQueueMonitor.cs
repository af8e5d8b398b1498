using Harmonia.DataStores;
using Harmonia.Mail;

namespace Harmonia.Worker.Mail;

/// <summary>Samples the outbox for <see cref="MailMetrics"/>' gauges on a timer, never per export.</summary>
public sealed partial class MailQueueMonitor(MailOutbox outbox, MailMetrics metrics, TimeProvider timeProvider, ILogger<MailQueueMonitor> logger)
    : BackgroundService
{
    /// <summary>Metrics are exported every few seconds; sampling faster would only add MongoDB queries.</summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(SampleInterval, timeProvider, SampleAsync, exception => LogSampleFailed(logger, exception), stoppingToken);

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        var (depth, oldest) = await outbox.MeasureAsync(cancellationToken);
        metrics.Queue(depth, oldest is { } createdAt ? timeProvider.GetUtcNow().UtcDateTime - createdAt : TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling the mail outbox failed.")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
