using System.Globalization;
using StackExchange.Redis;

namespace Harmonia.DataStores;

/// <summary>What a Redis server says of itself in <c>INFO</c>: memory, evictions and keyspace counts.</summary>
public sealed class RedisServerInfo(IReadOnlyDictionary<string, string> fields)
{
    public static readonly RedisServerInfo Unavailable = new(new Dictionary<string, string>());

    public bool IsAvailable => fields.Count > 0;

    /// <summary>Reads <c>INFO</c> from a connected server; <see cref="Unavailable"/> when none is connected.</summary>
    public static async Task<RedisServerInfo> ReadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers().FirstOrDefault(candidate => candidate.IsConnected);
        if (server is null)
        {
            return Unavailable;
        }

        var sections = await server.InfoAsync();
        return new(sections.SelectMany(section => section).ToDictionary(pair => pair.Key, pair => pair.Value));
    }

    /// <summary>A numeric field, or null when the server did not report it.</summary>
    public long? Number(string field) =>
        fields.TryGetValue(field, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
