using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Harmonia.Jobs;

/// <summary>The trace source and the meter of the jobs feature, shared by the API (enqueue) and the worker (the rest).</summary>
public static class JobTelemetry
{
    public const string Name = "Harmonia.Jobs";

    public static readonly ActivitySource ActivitySource = new(Name);
}

/// <summary>The jobs feature's counters and histograms; the worker adds its gauges to the same meter.</summary>
public sealed class JobMetrics
{
    public JobMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(JobTelemetry.Name);
        Enqueued = meter.CreateCounter<long>("harmonia.jobs.enqueued", description: "Jobs dispatched to the queue, by reason (submitted, recovered, retried).");
        Started = meter.CreateCounter<long>("harmonia.jobs.started", description: "Attempts started.");
        Completed = meter.CreateCounter<long>("harmonia.jobs.completed", description: "Jobs completed.");
        Failed = meter.CreateCounter<long>("harmonia.jobs.failed", description: "Jobs failed for good.");
        Retried = meter.CreateCounter<long>("harmonia.jobs.retried", description: "Failed attempts scheduled for a retry.");
        Canceled = meter.CreateCounter<long>("harmonia.jobs.canceled", description: "Jobs canceled by their owner.");
        InFlight = meter.CreateUpDownCounter<long>("harmonia.jobs.in_flight", description: "Jobs a worker is running right now.");
        PickupLatency = meter.CreateHistogram<double>(
            "harmonia.jobs.pickup_latency",
            unit: "s",
            description: "Time from dispatch to a worker reading the job.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        RunDuration = meter.CreateHistogram<double>(
            "harmonia.jobs.run_duration",
            unit: "s",
            description: "Time one attempt ran, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
    }

    public Counter<long> Enqueued { get; }

    public Counter<long> Started { get; }

    public Counter<long> Completed { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Retried { get; }

    public Counter<long> Canceled { get; }

    public UpDownCounter<long> InFlight { get; }

    public Histogram<double> PickupLatency { get; }

    public Histogram<double> RunDuration { get; }
}
