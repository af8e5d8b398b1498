using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Harmonia.LoadGenerator;

/// <summary>
/// <c>notify-fanout</c>: holds <c>--clients</c> <c>GET /notifications</c> streams of one user open, adds library items
/// through <c>POST /library</c> one after another for <c>--duration</c> seconds, and reports the notifications
/// delivered per second over all streams and how long each took from sending its POST to arriving at a client.
/// One user's streams all receive every event, so this is the fan-out; the API's per-user and per-address stream caps
/// are raised for it.
/// </summary>
internal static class NotificationFanOut
{
    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var token = (await TokenFile.ReadAsync(options.Text("tokens"))).Tokens[0];
        var clients = options.Integer("clients");
        var duration = TimeSpan.FromSeconds(options.Number("duration"));
        using var streamClient = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 1 }) { BaseAddress = options.Api, Timeout = Timeout.InfiniteTimeSpan };
        using var producer = Http.Client(options.Api);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var ready = new CountdownEvent(clients);
        var readers = Enumerable.Range(0, clients).Select(_ => ReadAsync(streamClient, token, ready, sentAt, latencies, stop.Token)).ToList();
        if (!ready.Wait(TimeSpan.FromSeconds(60), cancellationToken))
        {
            Console.Error.WriteLine($"only {clients - ready.CurrentCount} of {clients} streams opened");
            return 1;
        }

        var produced = 0;
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            var title = $"fan-out {produced}";
            sentAt[title] = Stopwatch.GetTimestamp();
            using var request = Http.Get("/library", token);
            request.Method = HttpMethod.Post;
            request.Content = JsonContent.Create(new { type = "playlist", title });
            using var response = await producer.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            produced++;
        }

        var producing = Stopwatch.GetElapsedTime(started);
        // The last events are on their way; a second is ample on a machine that delivers them in milliseconds.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        var sorted = latencies.Order().ToArray();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT clients={clients} events={produced} delivered={sorted.Length} expected={produced * clients} delivered_per_second={sorted.Length / producing.TotalSeconds:F0} p50_ms={LatencyReport.Percentile(sorted, 0.5):F1} p99_ms={LatencyReport.Percentile(sorted, 0.99):F1}"));
        return sorted.Length == produced * clients ? 0 : 1;
    }

    private static async Task ReadAsync(
        HttpClient client, string token, CountdownEvent ready, ConcurrentDictionary<string, long> sentAt, ConcurrentBag<double> latencies, CancellationToken stop)
    {
        try
        {
            using var request = Http.Get("/notifications", token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(stop);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(stop))
            {
                if (item.EventType == "ready")
                {
                    ready.Signal();
                }
                else if (item.EventType == "library"
                    && JsonDocument.Parse(item.Data).RootElement.GetProperty("title").GetString() is { } title
                    && sentAt.TryGetValue(title, out var sent))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
