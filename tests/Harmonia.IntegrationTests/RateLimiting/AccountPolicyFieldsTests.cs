using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// What the RateLimit fields say about an account policy's count, which everyone naming the address shares: nothing
/// while it admits (else anyone could read, silently, that the address's owner acted and when), and when to come back
/// once it refuses. On the AppHost's replicas, at the account policies' defaults; each test's account is new.
/// </summary>
public sealed class AccountPolicyFieldsTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/auth/register", "register")]
    [InlineData("/auth/login", "login")]
    [InlineData("/auth/email/verify", "email-verify")]
    [InlineData("/auth/email/verify/resend", "email-resend")]
    [InlineData("/auth/password/forgot", "password-forgot")]
    [InlineData("/auth/password/reset", "password-reset")]
    public async Task AnAdmittedRequestShowsOnlyItsEndpointPolicy(string path, string endpointPolicy)
    {
        using var api = fixture.CreateApiReplicaClient(0);
        // Registering spends a unit of the address's account-mail count, so every account count here has a history to give away.
        var email = NewEmail();
        await RegisterAsync(api, email);

        using var response = await api.PostAsJsonAsync(path, BodyFor(path, email), CancellationToken);

        Assert.NotEqual(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal([endpointPolicy], LimitsOf(response).Select(limit => limit.Policy));
        Assert.StartsWith($"\"{endpointPolicy}\";", PolicyOf(response), StringComparison.Ordinal);
        Assert.DoesNotContain(",", PolicyOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusalByTheAccountPolicyShowsItAndWhenToComeBack()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var email = NewEmail();
        await RegisterAsync(api, email);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await api.PostAsJsonAsync("/auth/login", new { email, password = "a wrong guess at the password" }, CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var refused = await api.PostAsJsonAsync("/auth/login", new { email, password = Password }, CancellationToken);

        var retryAfter = await AssertQuotaExceededAsync(refused, "login-account");
        var limit = LimitOf(refused, "login-account");
        Assert.Equal(0, limit.Remaining);
        Assert.Equal(retryAfter, limit.ResetSeconds);
        Assert.Contains("\"login-account\";q=5;w=60", PolicyOf(refused), StringComparison.Ordinal);
    }

    private static object BodyFor(string path, string email) => path switch
    {
        "/auth/register" => new { email, password = Password, displayName = "Test user" },
        "/auth/login" => new { email, password = "a wrong guess at the password" },
        "/auth/email/verify" => new { email, code = "000000" },
        "/auth/password/reset" => new { email, code = "000000", newPassword = "a guessing attacker's password" },
        _ => new { email },
    };
}
