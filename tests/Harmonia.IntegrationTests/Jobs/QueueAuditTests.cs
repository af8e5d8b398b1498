using System.Net;
using Harmonia.Api.Admin;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Every change made through the queue view is logged with who made it, on an API instance whose logs the test reads.</summary>
[Collection(InProcessCollection.Name)]
public sealed class QueueAuditTests(AppHostFixture fixture)
{
    [Fact]
    public async Task RetryAndDrainAreLoggedWithTheAdministratorWhoMadeThem()
    {
        using var appHostApi = fixture.CreateApiClient();
        var admin = await AdminAsync(fixture, appHostApi);
        var owner = await RegisterAndLoginAsync(appHostApi);
        var failed = await SeedAsync(fixture.Database, owner.Id, JobStatus.Failed, "The generator failed.", attempts: 3);
        await using var api = await InProcessApi.StartAsync(fixture, services: services => services.AddFakeLogging());
        using var client = api.CreateClient();

        using var retry = await SendAsync(client, HttpMethod.Post, $"/admin/jobs/{failed.Id}/retry", admin.Tokens.AccessToken);
        using var drain = await SendAsync(client, HttpMethod.Post, "/admin/jobs/delayed/drain", admin.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var audit = api.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
            .Where(record => record.Category == typeof(QueueAdministration).FullName && record.Level == LogLevel.Warning)
            .ToList();
        var retried = Assert.Single(audit, record => record.GetStructuredStateValue("JobId") == failed.Id);
        Assert.Equal((admin.Id, owner.Id), (retried.GetStructuredStateValue("Actor"), retried.GetStructuredStateValue("UserId")));
        Assert.Contains(audit, record => record.GetStructuredStateValue("Actor") == admin.Id && record.GetStructuredStateValue("Queue") == failed.Queue);
    }
}
