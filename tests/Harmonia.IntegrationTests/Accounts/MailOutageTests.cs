using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using Harmonia.Mail;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Stops the AppHost's mail server, so it runs with the serial tests, and leaves it running for those after it.</summary>
[Collection(DisruptiveCollection.Name)]
public sealed class MailOutageTests(AppHostFixture fixture)
{
    private const string Mail = "mail";

    /// <summary>The request only queues the message; anything near SMTP's own timeouts would mean it waited for the server.</summary>
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(5);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithTheMailServerDownRegistrationIsAcceptedAndItsMailArrivesOnceTheServerIsBack()
    {
        using var api = fixture.CreateApiClient();
        var email = NewEmail();

        await fixture.ExecuteCommandAsync(Mail, KnownResourceCommands.StopCommand);
        try
        {
            await fixture.App.ResourceNotifications.WaitForResourceAsync(Mail, KnownResourceStates.TerminalStates, CancellationToken);
            var clock = Stopwatch.StartNew();
            using var registered = await api.PostAsJsonAsync("/auth/register", new { email, password = Password, displayName = "Patient" }, CancellationToken);
            clock.Stop();

            Assert.Equal(HttpStatusCode.Accepted, registered.StatusCode);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, RequestBound);
            await Eventually.HoldsAsync(
                async () => await QueuedForAsync(email) is { Attempts: >= 2, LastError: not null },
                TimeSpan.FromSeconds(20),
                "the worker keeps the message queued and retries it");
        }
        finally
        {
            await fixture.ExecuteCommandAsync(Mail, KnownResourceCommands.StartCommand);
        }

        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(Mail, CancellationToken);
        using var mailbox = fixture.CreateMailbox();
        var message = await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification, within: TimeSpan.FromSeconds(30));
        Assert.Matches("^[0-9]{6}$", Mailbox.CodeIn(message));
        Assert.Null(await QueuedForAsync(email));
    }

    /// <summary>
    /// Each queued mail retries on its own jittered backoff, so after an outage the two would arrive in any order, and
    /// the newer in the inbox could be the one whose code the second request killed.
    /// </summary>
    [Fact]
    public async Task ResetCodesAskedForTwiceDuringAnOutageArriveAsOneMailWhoseCodeWorks()
    {
        using var api = fixture.CreateApiClient();
        using var mailbox = fixture.CreateMailbox();
        var user = await RegisterVerifiedAsync(api, mailbox);

        await fixture.ExecuteCommandAsync(Mail, KnownResourceCommands.StopCommand);
        try
        {
            await fixture.App.ResourceNotifications.WaitForResourceAsync(Mail, KnownResourceStates.TerminalStates, CancellationToken);
            await ForgotAsync(api, user.Email);
            await Eventually.HoldsAsync(
                async () => await Outbox.Find(message => message.To == user.Email && message.Kind == "reset-password" && message.Attempts >= 1).AnyAsync(CancellationToken),
                TimeSpan.FromSeconds(20),
                "the worker has tried to send the first reset mail");
            await ForgotAsync(api, user.Email);
        }
        finally
        {
            await fixture.ExecuteCommandAsync(Mail, KnownResourceCommands.StartCommand);
        }

        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(Mail, CancellationToken);
        var message = await mailbox.WaitForAsync(user.Email, Mailbox.Subjects.Reset, within: TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(
            async () => !await Outbox.Find(queued => queued.To == user.Email && queued.State == MailState.Queued).AnyAsync(CancellationToken),
            TimeSpan.FromSeconds(30),
            "nothing for the address is left to send");
        using var reset = await api.PostAsJsonAsync(
            "/auth/password/reset", new { email = user.Email, code = Mailbox.CodeIn(message), newPassword = "a brand new test password" }, CancellationToken);

        Assert.Single(await mailbox.ListAsync(user.Email), received => received.Subject.Contains(Mailbox.Subjects.Reset, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
    }

    private IMongoCollection<MailMessageDocument> Outbox => fixture.Database.GetCollection<MailMessageDocument>(MailOutbox.Name);

    private static async Task ForgotAsync(HttpClient api, string email)
    {
        using var forgot = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
    }

    private async Task<MailMessageDocument?> QueuedForAsync(string email) =>
        await fixture.Database.GetCollection<MailMessageDocument>(MailOutbox.Name)
            .Find(message => message.To == email)
            .FirstOrDefaultAsync(CancellationToken);
}
