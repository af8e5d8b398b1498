using System.ComponentModel.DataAnnotations;

namespace Harmonia.Worker.Mail;

/// <summary>The <c>Harmonia:Mail</c> section as the worker reads it: the sender's address and how delivery retries.</summary>
public sealed class MailDeliveryOptions : IValidatableObject
{
    public const string SectionName = "Harmonia:Mail";

    /// <summary>The <c>From</c> of every message, e.g. <c>Harmonia &lt;no-reply@example.com&gt;</c>; the provider must allow it.</summary>
    [Required]
    public string From { get; set; } = "Harmonia <no-reply@harmonia.local>";

    /// <summary>How often an idle sender looks for due messages; mail is not urgent to the second, and every look is a MongoDB query.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed message is this sender's; longer than <see cref="SendTimeout"/>, so only a dead sender's messages are taken over.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest one connect-and-send may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before the first retry; it doubles with every further failure and is jittered by up to half.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts, so a recovered server gets its backlog within this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a message without an expiry of its own is retried before it is given up on (and counted as failed).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MimeKit.MailboxAddress.TryParse(From, out _))
        {
            yield return new ValidationResult("From must be a mailbox such as 'Harmonia <no-reply@example.com>'.", [nameof(From)]);
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return new ValidationResult("The longest retry wait cannot be shorter than the first.", [nameof(RetryMaxDelay)]);
        }

        if (LeaseDuration <= SendTimeout)
        {
            yield return new ValidationResult("The lease must outlast a send, or a slow send would be taken over and sent twice.", [nameof(LeaseDuration)]);
        }
    }
}
