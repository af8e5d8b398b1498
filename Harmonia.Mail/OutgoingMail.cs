namespace Harmonia.Mail;

/// <summary>A message to send: one recipient, a subject, and the same content as plain text and HTML.</summary>
/// <param name="Kind">What the message is for (<c>verify-email</c>, <c>reset-password</c>, …); a metric tag, never content.</param>
/// <param name="ExpiresAt">When the message stops being worth sending (its code has expired); null when it never does.</param>
/// <param name="Priority">Whether it may wait behind other mail: <see cref="MailPriority.Deferred"/> for an address nobody has proved.</param>
public sealed record OutgoingMail(
    string Kind, string To, string Subject, string TextBody, string HtmlBody, DateTimeOffset? ExpiresAt = null, MailPriority Priority = MailPriority.Normal);

/// <summary>
/// Which due message a sender claims first: <see cref="Normal"/> before <see cref="Deferred"/>, and within each, the one
/// due longest. Stored as a number and sorted ascending; a message queued before the field existed has none, which
/// MongoDB sorts before every number, so it is claimed like a <see cref="Normal"/> one.
/// </summary>
public enum MailPriority
{
    /// <summary>Mail to an address its owner has proved, where a real user is waiting for it.</summary>
    Normal = 0,

    /// <summary>
    /// Mail to an address nobody has proved: anyone can have Harmonia send it by registering fresh addresses, so a
    /// backlog of it must not hold up a real user's reset code (15 minutes) until it expires.
    /// </summary>
    Deferred = 1,
}
