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

    private async Task<MailMessageDocument?> QueuedForAsync(string email) =>
        await fixture.Database.GetCollection<MailMessageDocument>(MailOutbox.Name)
            .Find(message => message.To == email)
            .FirstOrDefaultAsync(CancellationToken);
}
