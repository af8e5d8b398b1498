using System.Net;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// An endpoint policy configured by route pattern, the way <c>jobs-create</c> is for <c>POST /jobs</c>, which
/// another branch maps; shown here on an endpoint that exists, on an in-process instance of its own.
/// </summary>
public sealed class EndpointPolicyTests(AppHostFixture fixture)
{
    [Fact]
    public async Task AnEndpointPolicyReplacesTheSignedInPolicyOnItsRouteOnly()
    {
        var settings = IsolatedQuotas.Settings(
            ("Endpoints:sessions-list:Route", "GET /auth/sessions"),
            ("Endpoints:sessions-list:Limit", "2"),
            ("Endpoints:sessions-list:Window", "00:01:00"));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 3; request++)
        {
            using var response = await GetAsync(client, "/auth/sessions", user.Tokens.AccessToken);
            statuses.Add(response.StatusCode);
            Assert.Equal("\"sessions-list\";q=2;w=60", PolicyOf(response));
        }

        using var elsewhere = await GetAsync(client, "/users/me", user.Tokens.AccessToken);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.Equal("user-route", Assert.Single(LimitsOf(elsewhere)).Policy);
    }
}
