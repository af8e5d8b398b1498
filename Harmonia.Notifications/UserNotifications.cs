using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Harmonia.DataStores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Notifications;

/// <summary>
/// Each user's notification stream in Redis: appended to by whichever process something happened in, read by the API
/// replica a client is connected to. A stream (rather than pub/sub alone) gives every entry an id to resume from; a
/// reader knows it missed nothing when the id it resumes from is still in the stream, because entries only ever leave
/// from the front (trimmed by length and age) or all at once (expired, evicted, flushed).
/// </summary>
public sealed partial class UserNotifications(IConnectionMultiplexer redis, IOptions<NotificationOptions> options, TimeProvider timeProvider, ILogger<UserNotifications> logger)
{
    public const string TypeField = "type";
    public const string DataField = "data";

    // KEYS[1] stream. ARGV: type, data, most entries, oldest id kept, TTL ms, channel.
    private const string AppendScript = """
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'type', ARGV[1], 'data', ARGV[2])
        redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('PUBLISH', ARGV[6], id)
        return id
        """;

    // KEYS[1] stream. ARGV: TTL ms, oldest id kept. The newest entry, or a new "opened" entry when there is none, so a
    // reader always holds an id that is in the stream.
    private const string OpenScript = """
        local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local id
        if #newest > 0 then id = newest[1][1] else id = redis.call('XADD', KEYS[1], '*', 'type', 'opened', 'data', '') end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return id
        """;

    // KEYS[1] stream. ARGV: cursor, most entries, TTL ms. Reads from the cursor inclusive (its presence proves no gap) and
    // keeps a stream someone reads from expiring while they read.
    private const string ReadScript = """
        local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
        if #entries > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        return entries
        """;

    private IDatabase Database => redis.GetDatabase();

    private long TimeToLiveMilliseconds => (long)options.Value.MaxAge.TotalMilliseconds;

    /// <summary>Appends <paramref name="data"/> to the user's stream and wakes its readers; false (logged) when Redis cannot take it.</summary>
    public async Task<bool> TryAppendAsync(string userId, string type, string data)
    {
        try
        {
            var settings = options.Value;
            var oldest = (timeProvider.GetUtcNow() - settings.MaxAge).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            await Database.ScriptEvaluateAsync(
                AppendScript,
                [NotificationKeys.Stream(userId)],
                [type, data, settings.MaxLength, oldest, TimeToLiveMilliseconds, NotificationKeys.Channel(userId).ToString()]);
            return true;
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            LogAppendFailed(logger, type, userId, exception);
            return false;
        }
    }

    /// <inheritdoc cref="TryAppendAsync(string, string, string)"/>
    public Task<bool> TryAppendAsync<T>(string userId, string type, T data, JsonTypeInfo<T> typeInfo) =>
        TryAppendAsync(userId, type, JsonSerializer.Serialize(data, typeInfo));

    /// <summary>The id a new reader starts after: the newest entry's, or that of an entry added to mark the start.</summary>
    public async Task<string> OpenAsync(string userId) =>
        (string)(await Database.ScriptEvaluateAsync(OpenScript, [NotificationKeys.Stream(userId)], [TimeToLiveMilliseconds]))!;

    /// <summary>
    /// Entries from <paramref name="cursor"/> on, the cursor's own first; null when the cursor is no longer in the stream,
    /// so entries after it may be lost (trimmed, expired, evicted, flushed) and the reader must resync.
    /// </summary>
    public async Task<IReadOnlyList<StreamEntry>?> ReadFromAsync(string userId, string cursor, int count)
    {
        var reply = (RedisResult[])(await Database.ScriptEvaluateAsync(ReadScript, [NotificationKeys.Stream(userId)], [cursor, count + 1, TimeToLiveMilliseconds]))!;
        var entries = reply.Select(ToStreamEntry).ToList();
        return entries.Count > 0 && entries[0].Id == cursor ? entries.GetRange(1, entries.Count - 1) : null;
    }

    /// <summary>
    /// Whether <paramref name="id"/> is a stream entry id Redis accepts (what a client may send as <c>Last-Event-ID</c>):
    /// two parts of ASCII digits that each fit 64 bits. Anything else Redis answers with an error, which reads like
    /// Redis being away, so a crafted header would log false Redis failures and hold the feed back.
    /// </summary>
    public static bool IsEntryId(string? id)
    {
        if (id is not { Length: > 2 and <= 41 })
        {
            return false;
        }

        var separator = id.IndexOf('-', StringComparison.Ordinal);
        return separator > 0 && IsIdPart(id.AsSpan(0, separator)) && IsIdPart(id.AsSpan(separator + 1));
    }

    /// <summary>Digits 0-9 only (no sign, space or other script's digits), within an unsigned 64-bit number.</summary>
    private static bool IsIdPart(ReadOnlySpan<char> part) =>
        ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static StreamEntry ToStreamEntry(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        var fields = (RedisValue[])parts[1]!;
        var values = new NameValueEntry[fields.Length / 2];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new NameValueEntry(fields[2 * i], fields[(2 * i) + 1]);
        }

        return new StreamEntry((RedisValue)parts[0], values);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appending a {Type} notification for user {UserId} failed; their clients resync once Redis answers.")]
    private static partial void LogAppendFailed(ILogger logger, string type, string userId, Exception exception);
}
