using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// The login-account policy (5 sign-in attempts a minute per account, from anywhere) on the AppHost's two
/// replicas, which run it at its default; each test's account is new, so its count starts empty.
/// </summary>
public sealed class LoginRateLimitTests(AppHostFixture fixture)
{
    private const string Policy = "login-account";
    private const int Quota = 5;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheSixthAttemptOnOneAccountIsRefusedEvenWithTheRightPassword()
    {
        var replicas = fixture.CreateApiReplicaClients();
        using var replicaA = replicas[0];
        using var replicaB = replicas[1];
        var email = await RegisterAsync(replicaA);

        for (var attempt = 1; attempt <= Quota; attempt++)
        {
            using var wrong = await replicas[attempt % replicas.Count].PostAsJsonAsync("/auth/login", new { email, password = "a wrong guess at the password" }, CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var right = await replicaA.PostAsJsonAsync("/auth/login", new { email = email.ToUpperInvariant(), password = Password }, CancellationToken);

        await AssertQuotaExceededAsync(right, Policy);
    }

    [Fact]
    public async Task PasswordChangeGuessesSpendTheAccountsSignInBudget()
    {
        using var api = new HttpClient { BaseAddress = fixture.ApiReplicaAddresses[0] };
        // Signing in spent the first of the account's five attempts; three guesses and one more sign-in spend the rest.
        var user = await RegisterAndLoginAsync(api);
        for (var attempt = 0; attempt < Quota - 2; attempt++)
        {
            using var wrong = await ChangePasswordAsync(api, user, currentPassword: "a wrong guess at the password");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using var lastGuess = await api.PostAsJsonAsync("/auth/login", new { email = user.Email, password = "another wrong guess" }, CancellationToken);
        using var right = await ChangePasswordAsync(api, user, currentPassword: Password);
        using var signIn = await api.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, lastGuess.StatusCode);
        await AssertQuotaExceededAsync(right, Policy);
        await AssertQuotaExceededAsync(signIn, Policy);
    }

    [Fact]
    public async Task OneAccountsLimitLeavesOtherAccountsAlone()
    {
        // A replica's own address: the AppHost's clients retry 429s after Retry-After, as well-behaved clients do.
        using var api = new HttpClient { BaseAddress = fixture.ApiReplicaAddresses[0] };
        var guessedAt = await RegisterAsync(api);
        var bystander = await RegisterAsync(api);
        for (var attempt = 0; attempt <= Quota; attempt++)
        {
            using var wrong = await api.PostAsJsonAsync("/auth/login", new { email = guessedAt, password = "a wrong guess at the password" }, CancellationToken);
        }

        var tokens = await LoginAsync(api, bystander);

        Assert.NotEmpty(tokens.AccessToken);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(HttpClient api, SignedInUser user, string currentPassword) =>
        SendAsync(api, HttpMethod.Post, "/auth/password", user.Tokens.AccessToken, new { currentPassword, newPassword = "a brand new long password" });

    private static async Task<string> RegisterAsync(HttpClient api)
    {
        var email = NewEmail();
        using var registered = await api.PostAsJsonAsync("/auth/register", new { email, password = Password, displayName = "Test user" }, CancellationToken);
        registered.EnsureSuccessStatusCode();
        return email;
    }
}
