namespace Harmonia.Mail;

/// <summary>A message to send: one recipient, a subject, and the same content as plain text and HTML.</summary>
/// <param name="Kind">What the message is for (<c>verify-email</c>, <c>reset-password</c>, …); a metric tag, never content.</param>
/// <param name="ExpiresAt">When the message stops being worth sending (its code has expired); null when it never does.</param>
public sealed record OutgoingMail(string Kind, string To, string Subject, string TextBody, string HtmlBody, DateTimeOffset? ExpiresAt = null);
