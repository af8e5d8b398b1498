using StackExchange.Redis;

namespace Harmonia.Notifications;

/// <summary>
/// The Redis names of user notifications. A user's stream and channel carry the hash tag <c>{u:userId}</c>, so every
/// key of one user lands in one cluster slot and users spread over the cluster.
/// </summary>
public static class NotificationKeys
{
    /// <summary>The user's notifications, oldest first, capped by length and age (<see cref="NotificationOptions"/>).</summary>
    public static RedisKey Stream(string userId) => $"notifications:{{u:{userId}}}";

    /// <summary>Carries the id of each new entry, so readers on every replica look at once instead of polling.</summary>
    public static RedisChannel Channel(string userId) => RedisChannel.Literal($"notifications:{{u:{userId}}}");
}

/// <summary>The type of each entry; the same names are the server-sent events' types.</summary>
public static class NotificationTypes
{
    /// <summary>A job changed state or made progress; the data is the job.</summary>
    public const string Job = "job";

    /// <summary>An item was added to or removed from the library (<see cref="LibraryChange"/>).</summary>
    public const string Library = "library";

    /// <summary>Sessions ended (<see cref="SessionsEnded"/>); a client whose session it names stops using its token.</summary>
    public const string SessionEnded = "session-ended";

    /// <summary>A position to resume from, added when a reader opens an empty stream; never sent.</summary>
    public const string Opened = "opened";
}

/// <summary>The data of a <see cref="NotificationTypes.Library"/> notification.</summary>
/// <param name="Change"><c>added</c> or <c>removed</c>.</param>
public sealed record LibraryChange(string Change, string ItemId, string? Title = null, string? SongId = null)
{
    public const string Added = "added";
    public const string Removed = "removed";
}

/// <summary>The data of a <see cref="NotificationTypes.SessionEnded"/> notification.</summary>
public sealed record SessionsEnded(IReadOnlyList<string> SessionIds, string Reason);
