using System.Diagnostics;
using System.Diagnostics.Metrics;
using Harmonia.DataStores;
using Harmonia.Jobs;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Publishes the queue's depth as the gauge <c>harmonia.jobs.queue.depth</c> (by state: waiting, in_progress,
/// delayed). Redis is asked on a timer, never per export or per job.
/// </summary>
public sealed partial class QueueDepthMonitor : BackgroundService
{
    /// <summary>Metrics are exported every few seconds; sampling faster would only add Redis traffic.</summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(5);

    private readonly JobStreamConsumer _stream;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<QueueDepthMonitor> _logger;
    private QueueDepth _depth = new(0, 0, 0);

    public QueueDepthMonitor(JobStreamConsumer stream, IMeterFactory meterFactory, TimeProvider timeProvider, ILogger<QueueDepthMonitor> logger)
    {
        _stream = stream;
        _timeProvider = timeProvider;
        _logger = logger;
        meterFactory.Create(JobTelemetry.Name).CreateObservableGauge(
            "harmonia.jobs.queue.depth",
            Observe,
            description: "Jobs on the queue: not yet read, being worked on, and waiting out a retry backoff.");
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        var depth = _depth;
        return
        [
            new Measurement<long>(depth.Waiting, new TagList { { "state", "waiting" } }),
            new Measurement<long>(depth.InProgress, new TagList { { "state", "in_progress" } }),
            new Measurement<long>(depth.Delayed, new TagList { { "state", "delayed" } }),
        ];
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(SampleInterval, _timeProvider, SampleAsync, exception => LogSampleFailed(_logger, exception), stoppingToken);

    private async Task SampleAsync(CancellationToken cancellationToken) => _depth = await _stream.MeasureAsync();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling the queue depth failed.")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
