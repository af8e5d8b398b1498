using System.Diagnostics.Metrics;
using Harmonia.Mail;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>
/// The worker's mail sender, hosted in the test process on a database and a job queue of its own, so no other
/// sender takes its messages and its metrics are its own.
/// </summary>
public sealed class MailDeliveryTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailedSendsAreRetriedAndCountedAndTheMessageIsSentOnceTheServerAnswers()
    {
        var (settings, outbox) = await IsolatedAsync();
        var to = TestUsers.NewEmail();
        await outbox.EnqueueAsync(new OutgoingMail("test", to, "Delivered after all", "plain", "<p>html</p>"), CancellationToken);

        await using (var deadServer = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?>(settings) { ["ConnectionStrings:mail"] = "Endpoint=smtp://127.0.0.1:9" }))
        {
            using var retried = Collect(deadServer, "harmonia.mail.retried");
            await Eventually.HoldsAsync(() => Task.FromResult(retried.GetMeasurementSnapshot().Sum(m => m.Value) >= 2), TimeSpan.FromSeconds(10), "two failed sends are retried");
        }

        var queued = await outbox.Documents.Find(message => message.To == to).SingleAsync(CancellationToken);
        Assert.Equal(MailState.Queued, queued.State);
        Assert.NotNull(queued.LastError);

        await using var liveServer = await InProcessWorker.StartAsync(fixture, settings);
        using var sent = Collect(liveServer, "harmonia.mail.sent");
        using var mailbox = fixture.CreateMailbox();
        var message = await mailbox.WaitForAsync(to, "Delivered after all");

        Assert.Contains("plain", message.Text, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => Task.FromResult(sent.GetMeasurementSnapshot().Sum(m => m.Value) == 1), TimeSpan.FromSeconds(5), "the send is counted");
        Assert.Equal(0, await outbox.Documents.CountDocumentsAsync(m => m.To == to, cancellationToken: CancellationToken));
    }

    [Fact]
    public async Task AMessageWhoseCodeExpiredIsGivenUpOnAndCountedNotDropped()
    {
        var (settings, outbox) = await IsolatedAsync();
        var to = TestUsers.NewEmail();
        await outbox.EnqueueAsync(new OutgoingMail("test", to, "Too late", "plain", "<p>html</p>", DateTimeOffset.UtcNow.AddSeconds(-1)), CancellationToken);

        await using var worker = await InProcessWorker.StartAsync(fixture, settings);
        using var failed = Collect(worker, "harmonia.mail.failed");
        await Eventually.HoldsAsync(
            async () => await outbox.Documents.Find(message => message.To == to && message.State == MailState.Expired).AnyAsync(CancellationToken),
            TimeSpan.FromSeconds(10),
            "the message is recorded as expired");

        var kept = await outbox.Documents.Find(message => message.To == to).SingleAsync(CancellationToken);
        Assert.Null(kept.TextBody);
        Assert.Null(kept.HtmlBody);
        Assert.Contains(failed.GetMeasurementSnapshot(), m => m.Value == 1 && Equals(m.Tags["harmonia.mail.reason"], "expired"));
    }

    /// <summary>Settings for a worker on a fresh database and job queue, and the outbox it sends from.</summary>
    private async Task<(Dictionary<string, string?> Settings, MailOutbox Outbox)> IsolatedAsync()
    {
        var url = new MongoUrlBuilder(await fixture.ConnectionStringAsync("harmonia")) { DatabaseName = $"mail-{Guid.NewGuid():N}"[..20] };
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:harmonia"] = url.ToString(),
            ["Harmonia:Jobs:Queue"] = $"mail-{Guid.NewGuid():N}"[..20],
            ["Harmonia:Mail:PollInterval"] = "00:00:00.050",
            ["Harmonia:Mail:RetryBaseDelay"] = "00:00:00.050",
            ["Harmonia:Mail:RetryMaxDelay"] = "00:00:00.200",
            ["Harmonia:Mail:SendTimeout"] = "00:00:02",
        };
        return (settings, new MailOutbox(new MongoClient(url.ToMongoUrl()).GetDatabase(url.DatabaseName), TimeProvider.System));
    }

    private static MetricCollector<long> Collect<T>(InProcessHost<T> host, string instrument)
        where T : class =>
        new(host.Services.GetRequiredService<IMeterFactory>(), MailTelemetry.Name, instrument);
}
