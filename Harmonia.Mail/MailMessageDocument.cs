using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Mail;

/// <summary>
/// One message in the <c>mailOutbox</c> collection. A queued message is due at <see cref="DueAt"/>; claiming it
/// moves <see cref="DueAt"/> to the end of the claim's lease, so a sender that dies mid-send leaves it due again
/// once the lease runs out (a visibility timeout, as in a message queue). A sent message is deleted; one that is
/// given up on stays, without its content, as a record of what was not delivered, until the worker's retention
/// deletes it a while after <see cref="SettledAt"/>.
/// </summary>
public sealed class MailMessageDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    public required string Kind { get; init; }

    public required string To { get; init; }

    public required string Subject { get; init; }

    /// <summary>The content, which may carry a one-time code: kept only until the message is sent or given up on.</summary>
    public string? TextBody { get; init; }

    public string? HtmlBody { get; init; }

    public MailState State { get; init; }

    /// <summary>Claimed before <see cref="MailPriority.Deferred"/> mail when <see cref="MailPriority.Normal"/>; missing in messages queued before it existed, read as Normal.</summary>
    public MailPriority Priority { get; init; }

    /// <summary>When a sender may next claim the message: now for a new one, the retry time after a failure, the lease's end while claimed.</summary>
    public DateTime DueAt { get; init; }

    /// <summary>The claim that owns the current attempt; settling requires it, so a sender whose lease ran out cannot settle.</summary>
    public string? LeaseOwner { get; init; }

    public int Attempts { get; init; }

    /// <summary>
    /// Why the last attempt failed, by codes and type names only (<c>SMTP 550 5.1.1 (RecipientNotAccepted)</c>), never
    /// the server's reply text, which quotes the recipient's address: personal data stays in <see cref="To"/> alone.
    /// </summary>
    public string? LastError { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? ExpiresAt { get; init; }

    /// <summary>
    /// When a newer message of the same kind to the same address replaced this one (its code was replaced, so it
    /// would carry a dead one). The next claim settles it as <see cref="MailState.Superseded"/> without sending it.
    /// </summary>
    public DateTime? SupersededAt { get; init; }

    /// <summary>When it was given up on (in any settled state); null while it is queued. Retention goes by it.</summary>
    public DateTime? SettledAt { get; init; }
}

public enum MailState
{
    /// <summary>Waiting to be sent, or being sent under a lease.</summary>
    Queued,

    /// <summary>The server refused it for good, or every retry failed; logged and counted.</summary>
    Failed,

    /// <summary>Its code expired before it could be sent; logged and counted.</summary>
    Expired,

    /// <summary>A newer message of its kind to the same address replaced it before it was sent; not a failure.</summary>
    Superseded,
}
