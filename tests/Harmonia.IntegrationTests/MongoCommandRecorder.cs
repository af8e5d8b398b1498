using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Harmonia.IntegrationTests;

/// <summary>Counts the MongoDB commands this process sends, from the services' own <c>db.client.operation.duration</c> metric.</summary>
internal sealed class MongoCommandRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Collection, string Operation), int> _counts = new();

    public MongoCommandRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Harmonia.MongoDB" && instrument.Name == "db.client.operation.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string collection = "", operation = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "db.collection.name")
                {
                    collection = tag.Value as string ?? "";
                }
                else if (tag.Key == "db.operation.name")
                {
                    operation = tag.Value as string ?? "";
                }
            }

            _counts.AddOrUpdate((collection, operation), 1, (_, count) => count + 1);
        });
        _listener.Start();
    }

    public int Count(string collection, string operation) => _counts.GetValueOrDefault((collection, operation));

    public void Dispose() => _listener.Dispose();
}
