using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Harmonia.Api.Jobs;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Notifications;
using StackExchange.Redis;

namespace Harmonia.Api.Notifications;

/// <summary>Opens one client's notification feed; see <see cref="NotificationFeed"/>.</summary>
public sealed partial class NotificationFeeds(UserNotifications notifications, IConnectionMultiplexer redis, JobService jobs, TimeProvider timeProvider, ILogger<NotificationFeeds> logger)
{
    public NotificationFeed Open(string userId, string sessionId, string? lastEventId) =>
        new(this, userId, sessionId, UserNotifications.IsEntryId(lastEventId) ? lastEventId : null, lastEventId is not null);

    internal UserNotifications Notifications => notifications;

    internal ISubscriber Subscriber => redis.GetSubscriber();

    internal JobService Jobs => jobs;

    internal TimeProvider TimeProvider => timeProvider;

    internal ILogger Logger => logger;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading notifications of user {UserId} from Redis failed; the client gets a resync once it works again.")]
    internal static partial void LogReadFailed(ILogger logger, string userId, Exception exception);
}

/// <summary>
/// One client's notifications as server-sent events, each with its stream entry's id. It starts after the client's
/// <c>Last-Event-ID</c> when that entry is still in the user's stream (so nothing after it was lost), and otherwise
/// with a <c>resync</c> event; a new client starts with <c>ready</c>. It then follows the stream: woken by the user's
/// channel, and re-reading every few seconds in case pub/sub dropped a wake-up. Whenever the stream turns out to have
/// lost entries it had not yet read (flushed, evicted, or Redis unreadable for a while), the client gets a
/// <c>resync</c> rather than a silent gap. It ends after telling the client its own session ended.
/// </summary>
public sealed class NotificationFeed : IAsyncDisposable
{
    public const string ReadyEvent = "ready";
    public const string ResyncEvent = "resync";

    private const int PageSize = 100;

    /// <summary>Bounds how late a notification whose wake-up pub/sub dropped is seen.</summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>How soon a feed whose reads fail tries again.</summary>
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly NotificationFeeds _feeds;
    private readonly string _userId;
    private readonly string _sessionId;
    private readonly RedisChannel _channel;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private string? _resumeFrom;
    private bool _mustResync;
    private bool _redisFailing;
    private int _disposed;

    internal NotificationFeed(NotificationFeeds feeds, string userId, string sessionId, string? resumeFrom, bool resuming)
    {
        _feeds = feeds;
        _userId = userId;
        _sessionId = sessionId;
        _channel = NotificationKeys.Channel(userId);
        _resumeFrom = resumeFrom;
        // A Last-Event-ID that is no entry id cannot be resumed from.
        _mustResync = resuming && resumeFrom is null;
        _onMessage = (_, _) => _wake.Writer.TryWrite(true);
    }

    public async IAsyncEnumerable<SseItem<string>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await SubscribeAsync();
        string? cursor = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            _wake.Reader.TryRead(out _);
            if (cursor is null)
            {
                var (start, announcement) = await StartAsync();
                cursor = start;
                if (announcement is { } position)
                {
                    yield return position;
                }
            }

            var entries = cursor is null ? null : await ReadAsync(cursor);
            if (entries is null)
            {
                // Entries after the cursor may be lost: start over with a resync, at once unless Redis is failing.
                cursor = null;
                if (_redisFailing)
                {
                    await _wake.Reader.WaitToReadAsync(RetryInterval, _feeds.TimeProvider, cancellationToken);
                }

                continue;
            }

            foreach (var entry in entries)
            {
                cursor = entry.Id.ToString();
                if (await ToEventAsync(entry, cursor) is not { } item)
                {
                    continue;
                }

                yield return item;
                if (item.EventType == NotificationTypes.SessionEnded)
                {
                    yield break;
                }
            }

            if (entries.Count < PageSize)
            {
                await _wake.Reader.WaitToReadAsync(RecheckInterval, _feeds.TimeProvider, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _feeds.Subscriber.UnsubscribeAsync(_channel, _onMessage);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // The connection is gone, and its subscriptions with it.
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _feeds.Subscriber.SubscribeAsync(_channel, _onMessage);
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // Without wake-ups the feed still re-reads every few seconds.
            NotificationFeeds.LogReadFailed(_feeds.Logger, _userId, exception);
        }
    }

    /// <summary>Where to read from, and the event that says so (none when resuming without a gap); no cursor while Redis fails.</summary>
    private async Task<(string? Cursor, SseItem<string>? Announcement)> StartAsync()
    {
        try
        {
            if (!_mustResync && _resumeFrom is { } resumeFrom)
            {
                if (await _feeds.Notifications.ReadFromAsync(_userId, resumeFrom, 0) is not null)
                {
                    _resumeFrom = null;
                    return (resumeFrom, null);
                }

                _mustResync = true;
            }

            var cursor = await _feeds.Notifications.OpenAsync(_userId);
            _redisFailing = false;
            var type = _mustResync ? ResyncEvent : ReadyEvent;
            (_mustResync, _resumeFrom) = (false, null);
            var data = JsonSerializer.Serialize(new StreamPositionEvent(type == ResyncEvent ? "gap" : "start"), NotificationsApiJsonContext.Default.StreamPositionEvent);
            return (cursor, new SseItem<string>(data, type) { EventId = cursor });
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            NotificationFeeds.LogReadFailed(_feeds.Logger, _userId, exception);
            (_mustResync, _redisFailing) = (true, true);
            return (null, null);
        }
    }

    /// <summary>The entries after the cursor; null when they cannot be read or may be incomplete (then a resync is due).</summary>
    private async Task<IReadOnlyList<StreamEntry>?> ReadAsync(string cursor)
    {
        try
        {
            var entries = await _feeds.Notifications.ReadFromAsync(_userId, cursor, PageSize);
            (_mustResync, _redisFailing) = (entries is null, false);
            return entries;
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            NotificationFeeds.LogReadFailed(_feeds.Logger, _userId, exception);
            (_mustResync, _redisFailing) = (true, true);
            return null;
        }
    }

    /// <summary>The event a stream entry becomes for this client, or null when it is not for this client.</summary>
    private async Task<SseItem<string>?> ToEventAsync(StreamEntry entry, string id)
    {
        var type = entry[UserNotifications.TypeField].ToString();
        var data = entry[UserNotifications.DataField].ToString();
        switch (type)
        {
            case NotificationTypes.Job when JobStatusStore.Deserialize(data) is { } job:
                var response = JobResponse.From(job, await _feeds.Jobs.FindPlaceAsync(job));
                return new SseItem<string>(JsonSerializer.Serialize(response, JobsJsonContext.Default.JobResponse), type) { EventId = id };
            case NotificationTypes.Library:
                return new SseItem<string>(data, type) { EventId = id };
            case NotificationTypes.SessionEnded
                when JsonSerializer.Deserialize(data, NotificationsJsonContext.Default.SessionsEnded) is { } ended && ended.SessionIds.Contains(_sessionId):
                var mine = new SessionEndedEvent(_sessionId, ended.Reason);
                return new SseItem<string>(JsonSerializer.Serialize(mine, NotificationsApiJsonContext.Default.SessionEndedEvent), type) { EventId = id };
            default:
                return null;
        }
    }
}
