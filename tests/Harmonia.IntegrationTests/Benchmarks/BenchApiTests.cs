using System.Net;
using System.Net.Http.Json;
using Harmonia.Bench.Api;
using Harmonia.IntegrationTests.RateLimiting;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Benchmarks;

/// <summary>
/// The benchmark's API composed without rate limiting (<c>Bench:RateLimiting=false</c>), which measures what limiting
/// costs: quotas that would refuse the second request refuse nothing, and no response carries rate-limit fields.
/// </summary>
public sealed class BenchApiTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithLimitingOffRequestsOverTheQuotaAreServedWithoutRateLimitFields()
    {
        await using var instance = await InProcessApi.StartAsync<BenchSettings>(fixture, Disabled(("SignedIn:Limit", "1")));
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var responses = new List<HttpResponseMessage>();
        for (var request = 0; request < 3; request++)
        {
            responses.Add(await GetAsync(client, "/users/me", user.Tokens.AccessToken));
        }

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.All(responses, response => Assert.Null(PolicyOf(response)));
        Assert.All(responses, response => Assert.Empty(LimitsOf(response)));
        responses.ForEach(response => response.Dispose());
    }

    [Fact]
    public async Task WithLimitingOffSignInAttemptsOnOneAccountAreNotLimited()
    {
        await using var instance = await InProcessApi.StartAsync<BenchSettings>(fixture, Disabled(("LoginAccount:Limit", "1")));
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        using var wrong = await client.PostAsJsonAsync("/auth/login", new { email = user.Email, password = "a wrong guess at the password" }, CancellationToken);
        var tokens = await LoginAsync(client, user.Email);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Null(PolicyOf(wrong));
        Assert.NotEmpty(tokens.AccessToken);
    }

    /// <summary>The paired measurement of goals 1 and 2 compares the two in one process (bench/load.sh).</summary>
    [Fact]
    public async Task WithLimitingOnTheUnlimitedTwinsServeOverTheQuotaWhileTheEndpointsRefuse()
    {
        var settings = IsolatedQuotas.Settings(("SignedIn:Limit", "2"));
        await using var instance = await InProcessApi.StartAsync<BenchSettings>(fixture, settings);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        var twins = new List<HttpResponseMessage>();
        foreach (var path in new[] { "/users/me", "/library", "/floor/library" })
        {
            for (var request = 0; request < 3; request++)
            {
                twins.Add(await GetAsync(client, UnlimitedTwins.Prefix + path, user.Tokens.AccessToken));
            }
        }

        // The signed-in quota counts per user and route.
        using var first = await GetAsync(client, "/users/me", user.Tokens.AccessToken);
        using var second = await GetAsync(client, "/users/me", user.Tokens.AccessToken);
        using var third = await GetAsync(client, "/users/me", user.Tokens.AccessToken);

        Assert.All(twins, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.All(twins, response => Assert.Null(PolicyOf(response)));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotNull(PolicyOf(first));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        twins.ForEach(response => response.Dispose());
    }

    private static Dictionary<string, string?> Disabled((string Key, string Value) quota)
    {
        var settings = IsolatedQuotas.Settings(quota);
        settings["Bench:RateLimiting"] = "false";
        return settings;
    }
}
