using System.ComponentModel.DataAnnotations;

namespace Harmonia.Notifications;

/// <summary>The <c>Harmonia:Notifications</c> section: how much of each user's notification stream Redis keeps to resume from.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Harmonia:Notifications";

    /// <summary>Entries kept per user (trimmed approximately, so up to about a hundred more); a longer gap gets a resync.</summary>
    [Range(10, 100_000)]
    public int MaxLength { get; set; } = 1000;

    /// <summary>
    /// How old an entry may get before it is trimmed, and how long an idle stream lives; a client away longer gets a
    /// resync. Every key of it expires, so Redis may evict it under memory pressure (which also means a resync).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);
}
