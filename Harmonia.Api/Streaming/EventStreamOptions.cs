using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Streaming;

/// <summary>
/// The <c>Harmonia:EventStreams</c> section: how many long-lived streams (server-sent events) a replica holds open,
/// and how long each lasts. Each open stream holds a connection, Redis subscriptions and periodic reads.
/// </summary>
public sealed class EventStreamOptions
{
    public const string SectionName = "Harmonia:EventStreams";

    /// <summary>Streams one user may hold open on one replica: a few tabs' worth, so no account can take a replica's share.</summary>
    [Range(1, 1000)]
    public int MaxPerUser { get; set; } = 5;

    /// <summary>
    /// Streams one client address (IPv4, or the IPv6 /64) may hold open on one replica, whatever accounts it uses, so
    /// one client with many free accounts cannot take a replica's share; generous, because users behind one NAT share
    /// an address.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPerAddress { get; set; } = 50;

    /// <summary>Streams one replica holds open in all; beyond it new streams are refused, so their cost stays bounded.</summary>
    [Range(1, 100_000)]
    public int MaxPerReplica { get; set; } = 1000;

    /// <summary>
    /// How long a stream may stay silent before an empty event is sent (proxies keep the connection, a client that
    /// left is noticed), and how often an open stream checks its session, however many events it sends, so a stream
    /// whose session has ended is closed within one interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest a stream stays open; it then ends with a <c>retry:</c> hint and the client reconnects (re-authorized).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The <c>retry:</c> hint of a stream that reached its lifetime, and the <c>Retry-After</c> of a refused one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
