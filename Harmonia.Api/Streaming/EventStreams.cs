using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Harmonia.Api.Auth;
using Harmonia.Api.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Streaming;

/// <summary>
/// Long-lived streams (server-sent events) on this replica: who may open one (at most
/// <see cref="EventStreamOptions.MaxPerUser"/> per user, <see cref="EventStreamOptions.MaxPerAddress"/> per client
/// address and <see cref="EventStreamOptions.MaxPerReplica"/> in all, 429 beyond), and how an open one runs
/// (heartbeats, a maximum lifetime ending with a <c>retry:</c> hint, and an end within a heartbeat of its session's,
/// however busy). Counts are per replica because what a stream costs (a connection, subscriptions, periodic reads) is
/// paid per replica; a user spread over N replicas holds at most N times the cap.
/// </summary>
public sealed class EventStreams
{
    public const string MeterName = "Harmonia.EventStreams";

    /// <summary>The type of the events that carry no data: browsers' EventSource dispatches none of them.</summary>
    public const string HeartbeatEvent = "heartbeat";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _openPerUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _openPerAddress = new(StringComparer.Ordinal);
    private readonly SessionValidator _sessions;
    private readonly IOptions<EventStreamOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly Counter<long> _refused;
    private int _open;

    public EventStreams(SessionValidator sessions, IOptions<EventStreamOptions> options, TimeProvider timeProvider, IMeterFactory meterFactory)
    {
        _sessions = sessions;
        _options = options;
        _timeProvider = timeProvider;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("harmonia.event_streams.open", () => Volatile.Read(ref _open), unit: "{stream}", description: "Event streams open on this replica.");
        _refused = meter.CreateCounter<long>("harmonia.event_streams.refused", unit: "{stream}", description: "Event streams refused, by the limit that refused them (user, address, replica).");
    }

    /// <summary>A slot for one more stream of the signed-in caller, or null when a limit is reached.</summary>
    public EventStreamLease? TryOpen(HttpContext context)
    {
        var userId = context.User.GetUserId();
        // Per address as well as per user: accounts are free to make, so one client with many of them could
        // otherwise hold every slot of the replica.
        var address = RateLimitKeys.AddressOf(context);
        var settings = _options.Value;
        string? limit;
        lock (_lock)
        {
            limit = _open >= settings.MaxPerReplica ? "replica"
                : _openPerUser.GetValueOrDefault(userId) >= settings.MaxPerUser ? "user"
                : _openPerAddress.GetValueOrDefault(address) >= settings.MaxPerAddress ? "address"
                : null;
            if (limit is null)
            {
                Increment(_openPerUser, userId);
                Increment(_openPerAddress, address);
                _open++;
            }
        }

        if (limit is not null)
        {
            _refused.Add(1, new TagList { { "harmonia.event_streams.limit", limit } });
            return null;
        }

        return new EventStreamLease(this, userId, context.User.GetSessionId(), address);
    }

    /// <summary>The 429 for a stream <see cref="TryOpen"/> refused; <c>Retry-After</c> is the configured retry delay.</summary>
    public ProblemHttpResult Refusal(HttpContext context)
    {
        var retryAfter = (long)Math.Ceiling(_options.Value.RetryDelay.TotalSeconds);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(new ProblemDetails
        {
            Type = RateLimitResponse.QuotaExceededType,
            Title = "Too many open event streams.",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = "Close a stream you no longer read, or retry later.",
        });
    }

    internal void Release(string userId, string address)
    {
        lock (_lock)
        {
            _open--;
            Decrement(_openPerUser, userId);
            Decrement(_openPerAddress, address);
        }
    }

    private static void Increment(Dictionary<string, int> open, string key) =>
        CollectionsMarshal.GetValueRefOrAddDefault(open, key, out _)++;

    private static void Decrement(Dictionary<string, int> open, string key)
    {
        var left = open[key] - 1;
        if (left == 0)
        {
            open.Remove(key);
        }
        else
        {
            open[key] = left;
        }
    }

    /// <summary>
    /// <paramref name="events"/> as the stream sends them: an empty event after each
    /// <see cref="EventStreamOptions.HeartbeatInterval"/> of silence, the session checked once an interval whether
    /// events come or not, and after <see cref="EventStreamOptions.MaxLifetime"/> an empty event carrying the
    /// <c>retry:</c> hint, then the end.
    /// </summary>
    internal async IAsyncEnumerable<SseItem<T>> RunAsync<T>(EventStreamLease lease, IAsyncEnumerable<SseItem<T>> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var interval = settings.HeartbeatInterval;
        using var lifetime = new CancellationTokenSource(settings.MaxLifetime, _timeProvider);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token);
        var source = events.GetAsyncEnumerator(running.Token);
        var next = source.MoveNextAsync().AsTask();
        // The session was checked when the request was authorized. It is checked again on its own clock, not only
        // after silence: a stream whose events come more often than a heartbeat would otherwise outlive a revoked
        // session until its lifetime ends.
        var sentAt = _timeProvider.GetTimestamp();
        var checkedAt = sentAt;
        try
        {
            while (true)
            {
                // Until the heartbeat or the check falls due, whichever comes first.
                var due = interval - _timeProvider.GetElapsedTime(Math.Min(sentAt, checkedAt));
                var arrival = await ArrivalAsync(next, due > TimeSpan.Zero ? due : TimeSpan.Zero, running.Token);
                if (arrival is Arrival.Ended)
                {
                    break;
                }

                var checkDue = _timeProvider.GetElapsedTime(checkedAt) >= interval;
                if (checkDue)
                {
                    if (!await _sessions.IsActiveAsync(lease.UserId, lease.SessionId, cancellationToken))
                    {
                        break;
                    }

                    checkedAt = _timeProvider.GetTimestamp();
                }

                if (arrival is Arrival.Silence)
                {
                    // Also at a check that finds the stream silent (early, and harmless), so that heartbeats and checks
                    // fall due together again after an event instead of waking the stream twice an interval.
                    if (checkDue || _timeProvider.GetElapsedTime(sentAt) >= interval)
                    {
                        yield return new SseItem<T>(default!, HeartbeatEvent);
                        sentAt = _timeProvider.GetTimestamp();
                    }

                    continue;
                }

                yield return source.Current;
                sentAt = _timeProvider.GetTimestamp();
                next = source.MoveNextAsync().AsTask();
            }

            if (lifetime.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield return new SseItem<T>(default!, HeartbeatEvent) { ReconnectionInterval = settings.RetryDelay };
            }
        }
        finally
        {
            // A pending MoveNextAsync must finish before its enumerator may be disposed; how it ends was seen above, or
            // is the cancellation just requested.
            await running.CancelAsync();
            await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await source.DisposeAsync();
        }
    }

    /// <summary>The next event, the end, or <see cref="Arrival.Silence"/> when neither came within <paramref name="wait"/> (a heartbeat or a session check is due).</summary>
    private async Task<Arrival> ArrivalAsync(Task<bool> next, TimeSpan wait, CancellationToken running)
    {
        try
        {
            return await next.WaitAsync(wait, _timeProvider, running) ? Arrival.Event : Arrival.Ended;
        }
        catch (TimeoutException)
        {
            return Arrival.Silence;
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            return Arrival.Ended;
        }
    }

    private enum Arrival
    {
        Event,
        Silence,
        Ended,
    }
}
