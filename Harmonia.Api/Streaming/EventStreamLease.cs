using System.Net.ServerSentEvents;

namespace Harmonia.Api.Streaming;

/// <summary>
/// One admitted stream's lease on its slot, and what it holds open (subscriptions, say). Register it for disposal with the
/// response as soon as it is admitted: however the request then ends (set-up failing, the client leaving, the stream
/// ending), the slot is freed and everything it owns is disposed.
/// </summary>
public sealed class EventStreamLease(EventStreams streams, string userId, string sessionId, string address) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private int _disposed;

    public string UserId { get; } = userId;

    public string SessionId { get; } = sessionId;

    /// <summary>Disposes <paramref name="resource"/> with the stream.</summary>
    public void Own(IAsyncDisposable resource) => _owned.Add(resource);

    /// <summary><paramref name="events"/> with this stream's heartbeats, lifetime and session check (<see cref="EventStreams"/>).</summary>
    public IAsyncEnumerable<SseItem<T>> Run<T>(IAsyncEnumerable<SseItem<T>> events, CancellationToken cancellationToken) =>
        streams.RunAsync(this, events, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var resource in _owned)
            {
                await resource.DisposeAsync();
            }
        }
        finally
        {
            streams.Release(UserId, address);
        }
    }
}
