using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Sums the job counters of one in-process host. A host's meter factory hands out one <c>Harmonia.Jobs</c>
/// meter, so measurements are told apart by meter instance, never mixed with another host's.
/// </summary>
internal sealed class JobMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();
    private readonly ConcurrentQueue<string> _outcomes = new();

    public JobMeterRecorder(IServiceProvider host)
    {
        var meter = host.GetRequiredService<IMeterFactory>().Create(JobTelemetry.Name);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: string outcome })
                {
                    _outcomes.Enqueue(outcome);
                }
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    /// <summary>The <c>outcome</c> tags of the attempts' run durations (<c>harmonia.jobs.run_duration</c>), in order.</summary>
    public IReadOnlyList<string> AttemptOutcomes => [.. _outcomes];

    public void Dispose() => _listener.Dispose();
}
