using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// The policies keyed by client address (ip-route for anonymous callers, login for sign-in attempts), on pairs of
/// in-process instances with small quotas of their own (see <see cref="IsolatedQuotas"/>).
/// </summary>
public sealed class AddressRateLimitTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnonymousCallsFromOneAddressShareOneQuotaAcrossInstances()
    {
        var settings = IsolatedQuotas.Settings(("Anonymous:Limit", "4"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        HttpClient[] clients = [instanceA.CreateClient(), instanceB.CreateClient()];

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 6; request++)
        {
            using var response = await clients[request % 2].PostAsJsonAsync("/auth/refresh", new { refreshToken = "not a token" }, CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertQuotaExceededAsync(response, "ip-route");
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)], statuses);
    }

    [Fact]
    public async Task SignInAttemptsFromOneAddressAreLimitedWhateverTheAccount()
    {
        var settings = IsolatedQuotas.Settings(("Endpoints:login:Limit", "3"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        HttpClient[] clients = [instanceA.CreateClient(), instanceB.CreateClient()];

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var response = await clients[attempt % 2].PostAsJsonAsync("/auth/login", new { email = NewEmail(), password = Password }, CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // Refused before the body is read, so the account was never counted.
                await AssertQuotaExceededAsync(response, "login");
            }

            // An admitted account count never shows (AccountPolicyFieldsTests), so the fields are the address's alone.
            Assert.Equal("\"login\";q=3;w=60", PolicyOf(response));
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)], statuses);
    }

    [Fact]
    public async Task ABearerTokenOnSignInStillCountsAgainstTheAddress()
    {
        // Accounts signed in elsewhere (the AppHost), so getting their tokens spends nothing of this quota.
        using var appHost = fixture.CreateApiClient();
        var accounts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RegisterAndLoginAsync(appHost)));
        await using var instance = await InProcessApi.StartAsync(fixture, IsolatedQuotas.Settings(("Endpoints:login:Limit", "3")));
        using var client = instance.CreateClient();

        var statuses = new List<HttpStatusCode>();
        foreach (var account in accounts)
        {
            using var response = await SendAsync(client, HttpMethod.Post, "/auth/login", account.Tokens.AccessToken, new { email = NewEmail(), password = Password });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task ANewWindowAdmitsAgain()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, IsolatedQuotas.Settings(("Anonymous:Limit", "2"), ("Anonymous:Window", "00:00:05")));
        using var client = instance.CreateClient();
        // A first request to a new instance is slow; warming up on another endpoint (another count) keeps the three below inside one window.
        using (await client.GetAsync("/openapi/v1.json", CancellationToken))
        {
        }

        for (var request = 0; request < 2; request++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await RefreshStatusAsync(client));
        }

        using var rejected = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = "not a token" }, CancellationToken);
        var retryAfter = await AssertQuotaExceededAsync(rejected, "ip-route");

        Assert.InRange(retryAfter, 1, 5);
        // Rejected attempts are not counted, so polling until the window slides costs the client nothing.
        await Eventually.HoldsAsync(
            async () => await RefreshStatusAsync(client) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(retryAfter + 5),
            "a request is admitted once the window has slid past the first two");
    }

    private static async Task<HttpStatusCode> RefreshStatusAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = "not a token" }, CancellationToken);
        return response.StatusCode;
    }
}
