using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// The Redis keys of rate-limit counts: <c>{prefix}:{partition}:{policy}:{route}</c>, the original design's
/// <c>rate:{userId}:{route}</c> with the policy added (one endpoint can fall under several) and the partition
/// typed (a user, an address or an account). The partition is the Redis Cluster hash tag, so every count of one
/// caller lives on one slot.
/// </summary>
public static class RateLimitKeys
{
    public static string ForUser(string prefix, string userId, RateLimitPolicy policy, string route) =>
        $"{prefix}:{{u:{userId}}}:{policy.Name}:{route}";

    public static string ForAddress(string prefix, string address, RateLimitPolicy policy, string route) =>
        $"{prefix}:{{ip:{address}}}:{policy.Name}:{route}";

    /// <summary>Accounts are hashed so that email addresses never sit in Redis keys; the hash is a pseudonym, not a secret.</summary>
    public static string ForAccount(string prefix, string normalizedAccount, RateLimitPolicy policy) =>
        $"{prefix}:{{acct:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedAccount)))}}}:{policy.Name}";

    /// <summary>How many units the count under <paramref name="key"/> holds; the same hash tag, so one script reads both.</summary>
    public static string TallyOf(string key) => $"{key}:tally";

    /// <summary>The units replicas hold on lease from the count under <paramref name="key"/>; the same hash tag, so one script reads both.</summary>
    public static string LeasesOf(string key) => $"{key}:leases";

    /// <summary>
    /// The caller's address as a partition: IPv4 as is, IPv6 by its /64, because one host commonly holds a whole
    /// /64 and could otherwise rotate through fresh quotas. Requests without an address (in-memory transports) share one.
    /// </summary>
    public static string AddressOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return $"{new IPAddress(bytes)}/64";
    }
}
