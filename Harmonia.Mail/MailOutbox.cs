using Harmonia.DataStores;
using MongoDB.Driver;

namespace Harmonia.Mail;

/// <summary>
/// The <c>mailOutbox</c> collection and every state change of a message in it. MongoDB, not Redis, holds the
/// queue: a message is accepted only once it is durably recorded, and Redis may lose anything. Each change is
/// one single-document update, so any number of senders on any number of replicas can share the queue.
/// </summary>
public sealed class MailOutbox(IMongoDatabase database, TimeProvider timeProvider)
{
    public const string Name = "mailOutbox";

    private static FilterDefinitionBuilder<MailMessageDocument> Filter => Builders<MailMessageDocument>.Filter;

    private static UpdateDefinitionBuilder<MailMessageDocument> Update => Builders<MailMessageDocument>.Update;

    public IMongoCollection<MailMessageDocument> Documents { get; } = database.GetCollection<MailMessageDocument>(Name);

    private DateTime Now => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>Queues a message; it is due at once.</summary>
    public Task EnqueueAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var now = Now;
        return Documents.InsertOneAsync(
            new MailMessageDocument
            {
                Kind = mail.Kind,
                To = mail.To,
                Subject = mail.Subject,
                TextBody = mail.TextBody,
                HtmlBody = mail.HtmlBody,
                State = MailState.Queued,
                Priority = mail.Priority,
                DueAt = now,
                CreatedAt = now,
                ExpiresAt = mail.ExpiresAt?.UtcDateTime,
            },
            cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Queues a message whose code replaces the one in every earlier message of its kind to its address: one update
    /// marks those still queued as superseded and clears their content (the code in it is dead), then the new one is
    /// inserted. Without this, after an outage the queued mails would arrive in any order (each retries on its own
    /// jittered backoff) and the newest in the inbox could carry a dead code. The mark leaves the state and lease
    /// alone, so a message a sender is sending right now is settled by that sender as usual: sent (it cannot be
    /// unsent, and the sender holds its own copy of the content) or, if the attempt fails, superseded at its next
    /// claim instead of retried.
    /// </summary>
    public async Task EnqueueReplacingAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        await Documents.UpdateManyAsync(
            Filter.Eq(message => message.State, MailState.Queued)
            & Filter.Eq(message => message.Kind, mail.Kind)
            & Filter.Eq(message => message.To, mail.To)
            & Filter.Eq(message => message.SupersededAt, null),
            Update.Set(message => message.SupersededAt, Now)
                .Set(message => message.TextBody, null)
                .Set(message => message.HtmlBody, null),
            cancellationToken: cancellationToken);
        await EnqueueAsync(mail, cancellationToken);
    }

    /// <summary>
    /// Claims the due message of the highest priority (<see cref="MailPriority"/>) that has been due longest, for <paramref name="lease"/>: until then no other sender can claim it, and
    /// after it the message is due again (its sender died or hung). Null when none is due.
    /// </summary>
    public Task<MailMessageDocument?> TryClaimAsync(string leaseOwner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        return Documents.FindOneAndUpdateAsync(
            Filter.Eq(message => message.State, MailState.Queued) & Filter.Lte(message => message.DueAt, now),
            Update.Set(message => message.DueAt, now + lease)
                .Set(message => message.LeaseOwner, leaseOwner)
                .Inc(message => message.Attempts, 1),
            new FindOneAndUpdateOptions<MailMessageDocument>
            {
                Sort = Builders<MailMessageDocument>.Sort.Ascending(message => message.Priority).Ascending(message => message.DueAt),
                ReturnDocument = ReturnDocument.After,
            },
            cancellationToken)!;
    }

    /// <summary>Removes a sent message, content and all.</summary>
    public Task CompleteAsync(MailMessageDocument claimed, CancellationToken cancellationToken) =>
        Documents.DeleteOneAsync(Claimed(claimed), cancellationToken);

    /// <summary>Releases a claim after a failed attempt; the message is due again at <paramref name="dueAt"/>.</summary>
    public Task RetryAsync(MailMessageDocument claimed, DateTimeOffset dueAt, string error, CancellationToken cancellationToken) =>
        Documents.UpdateOneAsync(
            Claimed(claimed),
            Update.Set(message => message.DueAt, dueAt.UtcDateTime)
                .Set(message => message.LeaseOwner, null)
                .Set(message => message.LastError, error),
            cancellationToken: cancellationToken);

    /// <summary>Gives up on a message: it stays on record as <paramref name="state"/>, without the content it was to carry.</summary>
    public Task GiveUpAsync(MailMessageDocument claimed, MailState state, string error, CancellationToken cancellationToken) =>
        Documents.UpdateOneAsync(
            Claimed(claimed),
            Update.Set(message => message.State, state)
                .Set(message => message.LeaseOwner, null)
                .Set(message => message.LastError, error)
                .Set(message => message.SettledAt, Now)
                .Set(message => message.TextBody, null)
                .Set(message => message.HtmlBody, null),
            cancellationToken: cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> messages settled (given up on, in any settled state) before
    /// <paramref name="settledBefore"/>, and returns how many went. A queued message, even one being sent, has no
    /// settle time and is never taken. Every settled message has one: <see cref="GiveUpAsync"/> has set it since the
    /// outbox existed, and a sent message is deleted at once.
    /// </summary>
    public async Task<long> DeleteSettledAsync(DateTime settledBefore, int limit, CancellationToken cancellationToken)
    {
        var settled = Filter.Ne(message => message.State, MailState.Queued) & Filter.Lt(message => message.SettledAt, settledBefore);
        // Whole documents, not a projection of their ids: the local MongoDB stand-in answers the driver's one-value
        // projection with more fields than asked, which the driver cannot read. A settled message's content is gone anyway.
        var batch = await Documents.Find(settled).Limit(limit).ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var ids = batch.Select(message => message.Id);
        return (await Documents.DeleteManyAsync(Filter.In(message => message.Id, ids) & settled, cancellationToken)).DeletedCount;
    }

    /// <summary>How many messages wait (including those being sent), and since when the oldest has.</summary>
    public async Task<(long Depth, DateTime? OldestCreatedAt)> MeasureAsync(CancellationToken cancellationToken)
    {
        var queued = Filter.Eq(message => message.State, MailState.Queued);
        var depth = await Documents.CountDocumentsAsync(queued, cancellationToken: cancellationToken);
        if (depth == 0)
        {
            return (0, null);
        }

        var oldest = await Documents.Find(queued).SortBy(message => message.CreatedAt).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return (depth, oldest?.CreatedAt);
    }

    /// <summary>Only the claim that owns the attempt may settle it.</summary>
    private static FilterDefinition<MailMessageDocument> Claimed(MailMessageDocument claimed) =>
        Filter.Eq(message => message.Id, claimed.Id)
        & Filter.Eq(message => message.LeaseOwner, claimed.LeaseOwner)
        & Filter.Eq(message => message.State, MailState.Queued);

    public sealed class Indexes : IMongoIndexes
    {
        public IReadOnlyList<string> Collections => [Name];

        public Task CreateAsync(IMongoDatabase database, CancellationToken cancellationToken) =>
            database.GetCollection<MailMessageDocument>(Name).Indexes.CreateManyAsync(
            [
                // The claim's: equality on state, then its sort, whose last key also bounds the range (due by now). It
                // replaced { state: 1, dueAt: 1 }, which an outbox created before priorities still has and no query uses now.
                new CreateIndexModel<MailMessageDocument>(Builders<MailMessageDocument>.IndexKeys
                    .Ascending(message => message.State).Ascending(message => message.Priority).Ascending(message => message.DueAt)),
                // Retention's (DeleteSettledAsync): the settled states, then the settle time's range, so a sweep reads
                // only what it deletes; on the claim's index it would read every settled message, however recent.
                new CreateIndexModel<MailMessageDocument>(Builders<MailMessageDocument>.IndexKeys
                    .Ascending(message => message.State).Ascending(message => message.SettledAt)),
            ],
            cancellationToken);
    }
}
