using Harmonia.Api.Accounts;
using Harmonia.Api.Users;
using Harmonia.Mail;
using Harmonia.Worker.Mail;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>
/// The worker's mail sender, hosted in the test process on a database and a job queue of its own, so no other
/// sender takes its messages. Metrics are recorded from before the worker starts (a worker may settle a message
/// before a test could attach to its meters) and told apart by a kind of message no other test sends.
/// </summary>
public sealed class MailDeliveryTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailedSendsAreRetriedAndCountedAndTheMessageIsSentOnceTheServerAnswers()
    {
        var (settings, outbox) = await IsolatedAsync();
        var (to, kind) = (TestUsers.NewEmail(), NewKind());
        using var metrics = new MetricRecorder(MailTelemetry.Name);
        await outbox.EnqueueAsync(new OutgoingMail(kind, to, "Delivered after all", "plain", "<p>html</p>"), CancellationToken);

        await using (await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(settings) { ["ConnectionStrings:mail"] = "Endpoint=smtp://127.0.0.1:9" }))
        {
            await Eventually.HoldsAsync(() => Task.FromResult(metrics.Sum("harmonia.mail.retried", (MailTelemetry.KindTag, kind)) >= 2), TimeSpan.FromSeconds(10), "two failed sends are retried");
        }

        var queued = await outbox.Documents.Find(message => message.To == to).SingleAsync(CancellationToken);
        Assert.Equal(MailState.Queued, queued.State);
        Assert.NotNull(queued.LastError);

        await using var liveServer = await InProcessWorker.StartAsync(fixture, settings);
        using var mailbox = fixture.CreateMailbox();
        var message = await mailbox.WaitForAsync(to, "Delivered after all");

        Assert.Contains("plain", message.Text, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => Task.FromResult(metrics.Sum("harmonia.mail.sent", (MailTelemetry.KindTag, kind)) == 1), TimeSpan.FromSeconds(5), "the send is counted");
        Assert.Equal(0, await outbox.Documents.CountDocumentsAsync(m => m.To == to, cancellationToken: CancellationToken));
    }

    [Fact]
    public async Task AMessageWhoseCodeExpiredIsGivenUpOnAndCountedNotDropped()
    {
        var (settings, outbox) = await IsolatedAsync();
        var (to, kind) = (TestUsers.NewEmail(), NewKind());
        using var metrics = new MetricRecorder(MailTelemetry.Name);
        await outbox.EnqueueAsync(new OutgoingMail(kind, to, "Too late", "plain", "<p>html</p>", DateTimeOffset.UtcNow.AddSeconds(-1)), CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(fixture, settings);
        await Eventually.HoldsAsync(
            async () => await outbox.Documents.Find(message => message.To == to && message.State == MailState.Expired).AnyAsync(CancellationToken),
            TimeSpan.FromSeconds(10),
            "the message is recorded as expired");

        var kept = await outbox.Documents.Find(message => message.To == to).SingleAsync(CancellationToken);
        Assert.Null(kept.TextBody);
        Assert.Null(kept.HtmlBody);
        await Eventually.HoldsAsync(
            () => Task.FromResult(metrics.Sum("harmonia.mail.failed", (MailTelemetry.KindTag, kind), (MailMetrics.ReasonTag, "expired")) == 1),
            TimeSpan.FromSeconds(5),
            "the message is counted as given up because it expired");
    }

    [Fact]
    public async Task ARefusalIsLoggedByItsSmtpStatusNeverByTheReplyThatQuotesTheRecipient()
    {
        var (settings, outbox) = await IsolatedAsync();
        var to = TestUsers.NewEmail();
        await using var server = new RefusingSmtpServer();
        await outbox.EnqueueAsync(new OutgoingMail(NewKind(), to, "Refused", "plain", "<p>html</p>"), CancellationToken);

        IReadOnlyList<FakeLogRecord> logs;
        await using (var worker = await InProcessWorker.StartAsync(
            fixture, new Dictionary<string, string?>(settings) { ["ConnectionStrings:mail"] = server.ConnectionString }, services: services => services.AddFakeLogging()))
        {
            var collector = worker.Services.GetRequiredService<FakeLogCollector>();
            await Eventually.HoldsAsync(
                () => Task.FromResult(collector.GetSnapshot().Any(record => record.Category == typeof(MailDelivery).FullName && record.Level == LogLevel.Error)),
                TimeSpan.FromSeconds(10),
                "the refused message is given up on");
            logs = collector.GetSnapshot();
        }

        Assert.All(logs, record => Assert.DoesNotContain(to, Text(record), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(logs, record => record.Level == LogLevel.Warning && record.GetStructuredStateValue("StatusCode") == "450");
        Assert.Contains(logs, record => record.Level == LogLevel.Error && record.GetStructuredStateValue("StatusCode") == "550");
    }

    [Fact]
    public async Task ARefusalIsRecordedByItsSmtpStatusNeverByTheReplyThatQuotesTheRecipient()
    {
        var (settings, outbox) = await IsolatedAsync();
        var to = TestUsers.NewEmail();
        await using var server = new RefusingSmtpServer();
        await outbox.EnqueueAsync(new OutgoingMail(NewKind(), to, "Refused", "plain", "<p>html</p>"), CancellationToken);

        await using (await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(settings) { ["ConnectionStrings:mail"] = server.ConnectionString }))
        {
            await Eventually.HoldsAsync(
                async () => await outbox.Documents.Find(message => message.To == to && message.State == MailState.Failed).AnyAsync(CancellationToken),
                TimeSpan.FromSeconds(10),
                "the refused message is given up on");
        }

        var failed = await outbox.Documents.Find(message => message.To == to).SingleAsync(CancellationToken);
        Assert.DoesNotContain(to, failed.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("SMTP 550 5.1.1 (RecipientNotAccepted)", failed.LastError);
    }

    /// <summary>
    /// Anyone can have Harmonia mail fresh addresses by registering them, and one sender works through the outbox; a
    /// real user's reset code (15 minutes) must not wait behind that backlog until it expires.
    /// </summary>
    [Fact]
    public async Task MailToAProvedAddressIsSentBeforeABacklogOfMailToUnprovedOnes()
    {
        var (settings, outbox) = await IsolatedAsync();
        var mail = new AccountMail(Options.Create(new AccountsOptions { PublicUrl = "https://harmonia.test" }));
        var issued = new IssuedCode("123456", "token", DateTimeOffset.UtcNow.AddMinutes(15));
        for (var i = 0; i < 5; i++)
        {
            await outbox.EnqueueAsync(mail.VerifyEmail(TestUsers.NewEmail(), issued), CancellationToken);
        }

        var owner = new UserDocument
        {
            Email = TestUsers.NewEmail(), NormalizedEmail = "", PasswordHash = "", DisplayName = "Owner", EmailVerifiedAt = DateTime.UtcNow,
        };
        await outbox.EnqueueAsync(mail.ResetPassword(owner, issued), CancellationToken);

        IReadOnlyList<FakeLogRecord> logs;
        await using (var worker = await InProcessWorker.StartAsync(fixture, settings, services: services => services.AddFakeLogging()))
        {
            var collector = worker.Services.GetRequiredService<FakeLogCollector>();
            await Eventually.HoldsAsync(() => Task.FromResult(SentKinds(collector.GetSnapshot()).Count == 6), TimeSpan.FromSeconds(20), "all six mails are sent");
            logs = collector.GetSnapshot();
        }

        Assert.Equal(AccountMail.ResetPasswordKind, SentKinds(logs)[0]);
    }

    [Fact]
    public async Task AMessageQueuedBeforePrioritiesExistedIsStillSent()
    {
        var (settings, outbox) = await IsolatedAsync();
        var to = TestUsers.NewEmail();
        var now = DateTime.UtcNow;
        await outbox.Documents.Database.GetCollection<BsonDocument>(MailOutbox.Name).InsertOneAsync(
            new BsonDocument
            {
                ["kind"] = NewKind(), ["to"] = to, ["subject"] = "Queued before priorities", ["textBody"] = "plain", ["htmlBody"] = "<p>html</p>",
                ["state"] = (int)MailState.Queued, ["dueAt"] = now, ["attempts"] = 0, ["createdAt"] = now,
            },
            cancellationToken: CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(fixture, settings);
        using var mailbox = fixture.CreateMailbox();

        await mailbox.WaitForAsync(to, "Queued before priorities");
    }

    /// <summary>The kinds of the mails the worker sent, in the order it sent them.</summary>
    private static List<string> SentKinds(IReadOnlyList<FakeLogRecord> logs) =>
    [
        .. logs.Where(record => record.Category == typeof(MailDelivery).FullName && record.Message.StartsWith("Sent mail", StringComparison.Ordinal))
            .Select(record => record.GetStructuredStateValue("Kind")!),
    ];

    /// <summary>Everything a log record carries to an exporter: its message, its fields and its exception.</summary>
    private static string Text(FakeLogRecord record) =>
        string.Join('\n', [record.Message, .. (record.StructuredState ?? []).Select(field => $"{field.Key}={field.Value}"), record.Exception?.ToString()]);

    /// <summary>Settings for a worker on a fresh database and job queue, and the outbox it sends from.</summary>
    private async Task<(Dictionary<string, string?> Settings, MailOutbox Outbox)> IsolatedAsync()
    {
        var url = new MongoUrlBuilder(await fixture.ConnectionStringAsync("harmonia")) { DatabaseName = $"mail-{Guid.NewGuid():N}"[..20] };
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:harmonia"] = url.ToString(),
            ["Harmonia:Jobs:Queue"] = Jobs.JobsClient.NewQueue("mail"),
            ["Harmonia:Mail:PollInterval"] = "00:00:00.050",
            ["Harmonia:Mail:RetryBaseDelay"] = "00:00:00.050",
            ["Harmonia:Mail:RetryMaxDelay"] = "00:00:00.200",
            ["Harmonia:Mail:SendTimeout"] = "00:00:02",
        };
        return (settings, new MailOutbox(new MongoClient(url.ToMongoUrl()).GetDatabase(url.DatabaseName), TimeProvider.System));
    }

    private static string NewKind() => $"test-{Guid.NewGuid():N}";
}
