using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Finished jobs past their retention go, with their status in Redis, and so does audio no song references once it
/// is older than any attempt takes to reference it, and mail given up on past its retention; everything else stays. A
/// worker of its own sweeps every second.
/// </summary>
public sealed class RetentionTests(AppHostFixture fixture)
{
    private static readonly TimeSpan SweepBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task OldFinishedJobsAndUnreferencedAudioAreDeletedAndNothingElse()
    {
        var queue = NewQueue("keep");
        var database = await DatabaseAsync(fixture);
        var jobs = new JobStore(database, TimeProvider.System).Documents;
        var now = DateTime.UtcNow;
        var expired = FinishedJob(queue, finishedAt: now.AddDays(-40));
        var recent = FinishedJob(queue, finishedAt: now.AddDays(-1));
        await jobs.InsertManyAsync([expired, recent], cancellationToken: TestContext.Current.CancellationToken);
        await fixture.Redis.GetDatabase().StringSetAsync(JobKeys.Status(expired.Id), "{}", TimeSpan.FromMinutes(5));
        var files = database.GetCollection<BsonDocument>($"{SongStore.AudioBucketName}.files");
        var orphan = await InsertAudioFileAsync(files, uploadedAt: now.AddDays(-2));
        var referenced = await InsertAudioFileAsync(files, uploadedAt: now.AddDays(-2));
        var fresh = await InsertAudioFileAsync(files, uploadedAt: now);
        await database.GetCollection<SongDocument>("songs").InsertOneAsync(
            new SongDocument { OwnerId = ObjectId.GenerateNewId().ToString(), Title = "kept", Prompt = "kept", AudioFileId = referenced.ToString(), CreatedAt = now },
            cancellationToken: TestContext.Current.CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = queue,
            ["Harmonia:Retention:Interval"] = "00:00:01",
        });

        await Eventually.HoldsAsync(
            async () => await FindJobAsync(database, expired.Id) is null && await CountAsync(files, orphan) == 0,
            SweepBound,
            "the expired job and the orphaned audio are gone");
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(JobKeys.Status(expired.Id)));
        Assert.NotNull(await FindJobAsync(database, recent.Id));
        Assert.Equal(1, await CountAsync(files, referenced));
        Assert.Equal(1, await CountAsync(files, fresh));
    }

    [Fact]
    public async Task SettledMailPastItsRetentionIsDeletedWhileQueuedAndRecentlySettledMailStays()
    {
        var outbox = new MailOutbox(await DatabaseAsync(fixture), TimeProvider.System).Documents;
        var now = DateTime.UtcNow;
        MailMessageDocument[] old =
        [
            SettledMail(MailState.Failed, settledAt: now.AddDays(-8)),
            SettledMail(MailState.Expired, settledAt: now.AddDays(-30)),
            SettledMail(MailState.Superseded, settledAt: now.AddDays(-8)),
        ];
        var oldIds = old.Select(message => message.Id).ToList();
        var recent = SettledMail(MailState.Failed, settledAt: now.AddDays(-1));
        // Queued long ago and waiting out a retry, so no sender claims it while the test runs.
        var queued = QueuedMail(createdAt: now.AddDays(-40), dueAt: now.AddDays(1));
        await outbox.InsertManyAsync([.. old, recent, queued], cancellationToken: TestContext.Current.CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Jobs:Queue"] = NewQueue("mail-retention"),
            ["Harmonia:Retention:Interval"] = "00:00:01",
        });

        await Eventually.HoldsAsync(
            async () => await outbox.CountDocumentsAsync(message => oldIds.Contains(message.Id), cancellationToken: TestContext.Current.CancellationToken) == 0,
            SweepBound,
            "the mail settled longer ago than the retention (7 days) is gone");
        Assert.Equal(1, await outbox.CountDocumentsAsync(message => message.Id == recent.Id, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1, await outbox.CountDocumentsAsync(message => message.Id == queued.Id, cancellationToken: TestContext.Current.CancellationToken));
    }

    private static JobDocument FinishedJob(string queue, DateTime finishedAt) => new()
    {
        UserId = ObjectId.GenerateNewId().ToString(),
        Queue = queue,
        Type = JobType.Song,
        Prompt = "long done",
        DurationSeconds = 1,
        Status = JobStatus.Completed,
        Version = 3,
        CreatedAt = finishedAt,
        UpdatedAt = finishedAt,
        CompletedAt = finishedAt,
    };

    /// <summary>A message as the sender leaves one it gave up on: settled in <paramref name="state"/>, content cleared.</summary>
    private static MailMessageDocument SettledMail(MailState state, DateTime settledAt) => new()
    {
        Kind = "retention-test",
        To = TestUsers.NewEmail(),
        Subject = "Given up on",
        State = state,
        DueAt = settledAt,
        Attempts = 1,
        LastError = "SMTP 550 5.1.1 (RecipientNotAccepted)",
        CreatedAt = settledAt,
        SettledAt = settledAt,
    };

    private static MailMessageDocument QueuedMail(DateTime createdAt, DateTime dueAt) => new()
    {
        Kind = "retention-test",
        To = TestUsers.NewEmail(),
        Subject = "Still waiting",
        TextBody = "plain",
        HtmlBody = "<p>html</p>",
        State = MailState.Queued,
        DueAt = dueAt,
        CreatedAt = createdAt,
    };

    /// <summary>A GridFS file entry as an upload at <paramref name="uploadedAt"/> leaves it (an empty file needs no chunks).</summary>
    private static async Task<ObjectId> InsertAudioFileAsync(IMongoCollection<BsonDocument> files, DateTime uploadedAt)
    {
        var id = ObjectId.GenerateNewId();
        await files.InsertOneAsync(
            new BsonDocument { ["_id"] = id, ["length"] = 0L, ["chunkSize"] = 64 * 1024, ["uploadDate"] = uploadedAt, ["filename"] = $"{id}.wav" },
            cancellationToken: TestContext.Current.CancellationToken);
        return id;
    }

    private static Task<long> CountAsync(IMongoCollection<BsonDocument> files, ObjectId id) =>
        files.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("_id", id), cancellationToken: TestContext.Current.CancellationToken);
}
