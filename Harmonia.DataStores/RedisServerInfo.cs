using System.Globalization;
using StackExchange.Redis;

namespace Harmonia.DataStores;

/// <summary>
/// What Redis says of itself in <c>INFO</c>: memory, evictions and keyspace counts. On a cluster every primary
/// holds its own share of the keys under its own <c>maxmemory</c>, so each number is the sum over the primaries
/// and describes the whole data set; a standalone Redis is the one primary.
/// </summary>
public sealed class RedisServerInfo
{
    public static readonly RedisServerInfo Unavailable = new([], complete: false);

    private readonly IReadOnlyList<IReadOnlyDictionary<string, string>> _primaries;

    private RedisServerInfo(IReadOnlyList<IReadOnlyDictionary<string, string>> primaries, bool complete)
    {
        _primaries = primaries;
        IsComplete = complete;
    }

    public bool IsAvailable => _primaries.Count > 0;

    /// <summary>Whether every primary answered; when one is unreachable the sums leave its share out.</summary>
    public bool IsComplete { get; }

    /// <summary>The primaries the connection reaches now: the server of a standalone Redis, every primary of a cluster.</summary>
    public static IReadOnlyList<IServer> ConnectedPrimaries(IConnectionMultiplexer redis) =>
        [.. redis.GetServers().Where(server => server.IsConnected && !server.IsReplica)];

    /// <summary>Reads <c>INFO</c> from every connected primary; <see cref="Unavailable"/> when none is connected.</summary>
    public static async Task<RedisServerInfo> ReadAsync(IConnectionMultiplexer redis)
    {
        var primaries = ConnectedPrimaries(redis);
        if (primaries.Count == 0)
        {
            return Unavailable;
        }

        var infos = await Task.WhenAll(primaries.Select(async server =>
            (IReadOnlyDictionary<string, string>)(await server.InfoAsync()).SelectMany(section => section).ToDictionary(pair => pair.Key, pair => pair.Value)));
        var complete = redis.GetServers().Where(server => !server.IsReplica).All(server => server.IsConnected);
        return new(infos, complete);
    }

    /// <summary>A numeric field summed over the primaries that report it, or null when none does.</summary>
    public long? Number(string field)
    {
        long? sum = null;
        foreach (var fields in _primaries)
        {
            if (fields.TryGetValue(field, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }
}
