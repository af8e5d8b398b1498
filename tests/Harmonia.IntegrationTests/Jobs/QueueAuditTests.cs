using System.Net;
using Harmonia.Api.Admin;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using MongoDB.Bson;
using static Harmonia.IntegrationTests.Jobs.JobsClient;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Every change made through the queue view is logged with who made it, on an API instance whose logs the test reads.
/// The instance has a queue of its own that no worker serves, so a retried job stays put, and is called with a command
/// key of its own, as the dashboard calls the AppHost's API.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class QueueAuditTests(AppHostFixture fixture)
{
    private const string Queue = "queue-audit";
    private const string CommandKey = "queue-audit-command-key-of-this-test";

    [Fact]
    public async Task RetryAndDrainAreLoggedWithWhoMadeThemAndWhoseJobItIs()
    {
        var owner = ObjectId.GenerateNewId().ToString();
        var failed = await SeedAsync(fixture.Database, owner, JobStatus.Failed, "The generator failed.", attempts: 3, queue: Queue);
        await using var api = await InProcessApi.StartAsync(
            fixture,
            new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = Queue, ["Harmonia:Admin:CommandKey"] = CommandKey },
            services => services.AddFakeLogging());
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Harmonia-Command-Key", CommandKey);

        using var retry = await client.PostAsync($"/admin/jobs/{failed.Id}/retry", content: null, TestContext.Current.CancellationToken);
        using var drain = await client.PostAsync("/admin/jobs/delayed/drain", content: null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var audit = api.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
            .Where(record => record.Category == typeof(QueueAdministration).FullName && record.Level == LogLevel.Warning)
            .ToList();
        var retried = Assert.Single(audit, record => record.GetStructuredStateValue("JobId") == failed.Id);
        Assert.Equal(("dashboard", owner), (retried.GetStructuredStateValue("Actor"), retried.GetStructuredStateValue("UserId")));
        Assert.Contains(audit, record => record.GetStructuredStateValue("Actor") == "dashboard" && record.GetStructuredStateValue("Queue") == Queue);
    }
}
