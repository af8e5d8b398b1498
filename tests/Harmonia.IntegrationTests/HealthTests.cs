using System.Net;
using System.Text.Json;
using Aspire.Hosting.Testing;

namespace Harmonia.IntegrationTests;

public sealed class HealthTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task ServiceReportsHealthyWhenRedisAndMongoAreReachable(string service)
    {
        using var client = fixture.App.CreateHttpClient(service);

        using var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task ServiceAnswersLivenessProbe(string service)
    {
        using var client = fixture.App.CreateHttpClient(service);

        using var response = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ApiPublishesItsOpenApiDocument()
    {
        using var client = fixture.App.CreateHttpClient("api");

        using var response = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"openapi\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>
    /// The document is served to anyone in every environment; the admin endpoints still refuse all but administrators,
    /// but listing them told every anonymous caller the operator surface.
    /// </summary>
    [Fact]
    public async Task ApiOpenApiDocumentLeavesOutTheAdminEndpoints()
    {
        using var client = fixture.App.CreateHttpClient("api");

        using var response = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken), cancellationToken: TestContext.Current.CancellationToken);
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(path => path.Name).ToList();
        Assert.Contains("/auth/login", paths);
        Assert.DoesNotContain(paths, path => path.StartsWith("/admin", StringComparison.Ordinal));
    }
}
