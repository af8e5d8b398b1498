using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Listens to this process's meters, as an OpenTelemetry exporter would: sums what counters and histograms
/// record, and reads gauges on demand. Values are keyed by instrument and the tags a test asks about.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Tags), double> _sums = new();
    private readonly ConcurrentDictionary<(string Instrument, string Tags), long> _counts = new();
    private readonly ConcurrentDictionary<(string Instrument, string Tags), double> _latest = new();

    public MetricRecorder(params string[] meterNames)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meterNames.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The sum of what <paramref name="instrument"/> recorded with exactly these tag values (in tag order), over all other tags.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        _sums.Where(entry => entry.Key.Instrument == instrument && Matches(entry.Key.Tags, tags)).Sum(entry => entry.Value);

    /// <summary>How many measurements <paramref name="instrument"/> recorded with these tag values (for histograms: how many events).</summary>
    public long Count(string instrument, params (string Key, string Value)[] tags) =>
        _counts.Where(entry => entry.Key.Instrument == instrument && Matches(entry.Key.Tags, tags)).Sum(entry => entry.Value);

    /// <summary>A gauge's or observable counter's current value for these tags, observed now.</summary>
    public double? Observe(string instrument, params (string Key, string Value)[] tags)
    {
        _listener.RecordObservableInstruments();
        var values = _latest.Where(entry => entry.Key.Instrument == instrument && Matches(entry.Key.Tags, tags)).Select(entry => entry.Value).ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument.Name, Describe(tags));
        if (instrument.GetType().Name.StartsWith("Observable", StringComparison.Ordinal))
        {
            _latest[key] = value;
        }
        else
        {
            _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
            _counts.AddOrUpdate(key, 1, (_, count) => count + 1);
        }
    }

    private static string Describe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(';', parts);
    }

    private static bool Matches(string recorded, (string Key, string Value)[] wanted) =>
        wanted.All(tag => recorded.Split(';').Contains($"{tag.Key}={tag.Value}"));
}
