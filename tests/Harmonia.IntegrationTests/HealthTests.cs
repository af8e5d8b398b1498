using System.Net;
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
}
