using System.Diagnostics;
using System.Diagnostics.Metrics;
using Harmonia.Mail;

namespace Harmonia.Worker.Mail;

/// <summary>
/// The delivery counters (<c>harmonia.mail.sent</c>, <c>.retried</c>, <c>.failed</c>, each by kind of message,
/// failures also by reason) and the outbox gauges (<c>harmonia.mail.queue.depth</c>, <c>.oldest_age</c>), which
/// <see cref="MailQueueMonitor"/> samples so that no export waits on MongoDB.
/// </summary>
public sealed class MailMetrics
{
    public const string ReasonTag = "harmonia.mail.reason";

    private readonly Counter<long> _sent;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _delay;
    private (long Depth, double OldestAgeSeconds) _queue;

    public MailMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MailTelemetry.Name);
        _sent = meter.CreateCounter<long>("harmonia.mail.sent", "{message}", "Messages the SMTP server accepted.");
        _retried = meter.CreateCounter<long>("harmonia.mail.retried", "{attempt}", "Failed attempts scheduled for a retry.");
        _failed = meter.CreateCounter<long>("harmonia.mail.failed", "{message}", "Messages given up on, by reason (rejected, expired, gave_up).");
        _delay = meter.CreateHistogram<double>(
            "harmonia.mail.delivery_delay",
            unit: "s",
            description: "Time from queuing a message to the server accepting it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600] });
        meter.CreateObservableGauge("harmonia.mail.queue.depth", () => _queue.Depth, "{message}", "Messages waiting to be sent, including those being sent.");
        meter.CreateObservableGauge("harmonia.mail.queue.oldest_age", () => _queue.OldestAgeSeconds, "s", "How long the oldest waiting message has waited.");
    }

    public void Sent(string kind, TimeSpan sinceQueued)
    {
        _sent.Add(1, new TagList { { MailTelemetry.KindTag, kind } });
        _delay.Record(sinceQueued.TotalSeconds, new TagList { { MailTelemetry.KindTag, kind } });
    }

    public void Retried(string kind) => _retried.Add(1, new TagList { { MailTelemetry.KindTag, kind } });

    public void Failed(string kind, string reason) => _failed.Add(1, new TagList { { MailTelemetry.KindTag, kind }, { ReasonTag, reason } });

    public void Queue(long depth, TimeSpan oldestAge) => _queue = (depth, oldestAge.TotalSeconds);
}
