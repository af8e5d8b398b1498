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
        _listener.Start();
    }

    public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();
}
