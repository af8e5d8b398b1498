using System.Collections.Concurrent;
using System.Diagnostics;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Every span that the sources it listens to (all, unless named) stop in this process while the recorder lives, each
/// recorded in full.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanRecorder(string? source = null)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = candidate => source is null || candidate.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyCollection<Activity> Spans => _spans;

    public void Dispose() => _listener.Dispose();
}
