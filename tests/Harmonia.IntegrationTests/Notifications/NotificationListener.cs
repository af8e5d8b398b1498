using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;

namespace Harmonia.IntegrationTests.Notifications;

/// <summary>A client's <c>GET /notifications</c>, read in the background as a browser's EventSource would (heartbeats skipped).</summary>
internal sealed class NotificationListener : IAsyncDisposable
{
    public sealed record Notification(string Type, string? Id, JsonElement Data);

    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<Notification> _received = Channel.CreateUnbounded<Notification>();
    private readonly Task _reading;

    private NotificationListener(HttpResponseMessage response, CancellationTokenSource stop)
    {
        _response = response;
        _stop = stop;
        _reading = ReadAsync();
    }

    /// <summary>Whether the server ended the stream (and everything it sent has been read).</summary>
    public bool Ended => _received.Reader.Completion.IsCompleted;

    public static async Task<NotificationListener> OpenAsync(HttpClient api, string accessToken, string? lastEventId = null)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/notifications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new NotificationListener(response, stop);
    }

    /// <summary>The next notification; fails when none comes within <paramref name="within"/>.</summary>
    public async Task<Notification> NextAsync(TimeSpan within)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(within);
        return await _received.Reader.ReadAsync(bound.Token);
    }

    /// <summary>Skips notifications until one matches; fails when none does within <paramref name="within"/>.</summary>
    public async Task<Notification> WaitForAsync(Func<Notification, bool> match, TimeSpan within)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(within);
        while (true)
        {
            var notification = await _received.Reader.ReadAsync(bound.Token);
            if (match(notification))
            {
                return notification;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _response.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            var parser = SseParser.Create(body, (_, data) => data.IsEmpty ? (JsonElement?)null : JsonDocument.Parse(data.ToArray()).RootElement.Clone());
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                if (item.Data is { } data)
                {
                    await _received.Writer.WriteAsync(new Notification(item.EventType, item.EventId, data), _stop.Token);
                }
            }
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}
