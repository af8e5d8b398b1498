using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.RateLimiting;
using static Harmonia.IntegrationTests.RateLimiting.RateLimitFields;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// The account policies of the mail flows on the AppHost's replicas, at their defaults (account-mail: 3 mails
/// to one address in 15 minutes; account-code: 10 code attempts on one account in 15 minutes), and the daily
/// ceiling (account-mail-daily) and the per-address endpoint policies on in-process instances with quotas and
/// counts of their own.
/// </summary>
public sealed class AccountMailRateLimitTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneAddressGetsAtMostThreeMailsWhereverTheRequestsComeFromAndWhetherOrNotItHasAnAccount()
    {
        // Replicas' own addresses: the AppHost's clients retry 429s after Retry-After, as well-behaved clients do.
        var replicas = fixture.CreateApiReplicaClients();
        var stranger = NewEmail();

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 4; request++)
        {
            using var response = await replicas[request % 2].PostAsJsonAsync(
                request % 2 == 0 ? "/auth/password/forgot" : "/auth/email/verify/resend", new { email = request == 3 ? stranger.ToUpperInvariant() : stranger }, CancellationToken);
            statuses.Add(response.StatusCode);
            if (request == 3)
            {
                await AssertQuotaExceededAsync(response, "account-mail");
            }
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        using var otherAddress = await replicas[0].PostAsJsonAsync("/auth/password/forgot", new { email = NewEmail() }, CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, otherAddress.StatusCode);
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    /// <summary>
    /// The 15-minute quota is made roomy here, so only the day's ceiling can refuse: whatever the mix of flows, one
    /// address gets no more mails in a day, the refusal says so and when to come back, and other addresses are untouched.
    /// </summary>
    [Fact]
    public async Task OneAddressGetsAtMostTheDailyCeilingOfMailsEvenWhenTheFifteenMinuteQuotaHasRoom()
    {
        const int DailyLimit = 3;
        var settings = IsolatedQuotas.Settings(("AccountMail:Limit", "1000"), ("AccountMailDaily:Limit", $"{DailyLimit}"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        HttpClient[] clients = [instanceA.CreateClient(), instanceB.CreateClient()];
        var email = NewEmail();
        string[] paths = ["/auth/register", "/auth/password/forgot", "/auth/email/verify/resend"];
        var firstSentAt = TimeProvider.System.GetTimestamp();

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < DailyLimit; request++)
        {
            object body = paths[request] == "/auth/register" ? new { email, password = Password, displayName = "Test user" } : new { email };
            using var admitted = await clients[request % 2].PostAsJsonAsync(paths[request], body, CancellationToken);
            statuses.Add(admitted.StatusCode);
            Assert.DoesNotContain(LimitsOf(admitted), limit => limit.Policy.StartsWith("account-mail", StringComparison.Ordinal));
        }

        using var refused = await clients[1].PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        var sinceFirst = TimeProvider.System.GetElapsedTime(firstSentAt);
        using var otherAddress = await clients[0].PostAsJsonAsync("/auth/password/forgot", new { email = NewEmail() }, CancellationToken);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Accepted, DailyLimit), statuses);
        var retryAfter = await AssertQuotaExceededAsync(refused, "account-mail-daily");
        // The first mail leaves the day's window a day after it was counted, which was no earlier than firstSentAt.
        Assert.InRange(retryAfter, (int)(TimeSpan.FromDays(1) - sinceFirst).TotalSeconds, (int)TimeSpan.FromDays(1).TotalSeconds);
        Assert.Equal(["password-forgot", "account-mail-daily"], LimitsOf(refused).Select(limit => limit.Policy));
        Assert.Equal(new ServiceLimit("account-mail-daily", 0, retryAfter), LimitOf(refused, "account-mail-daily"));
        Assert.Contains($"\"account-mail-daily\";q={DailyLimit};w=86400", PolicyOf(refused), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, otherAddress.StatusCode);
    }

    /// <summary>
    /// <c>account-mail</c> decides first, so requests it refuses spend none of the day's units: a client polling
    /// through its 2-second window still gets its second mail under a daily ceiling of two, and then no third.
    /// </summary>
    [Fact]
    public async Task RequestsTheFifteenMinuteQuotaRefusesSpendNoneOfTheDailyCeiling()
    {
        var settings = IsolatedQuotas.Settings(("AccountMail:Limit", "1"), ("AccountMail:Window", "00:00:02"), ("AccountMailDaily:Limit", "2"));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var api = instance.CreateClient();
        var email = NewEmail();
        using var first = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        var admittedLater = 0;
        var refusedBy = new List<string>();

        await Eventually.HoldsAsync(
            async () =>
            {
                using var again = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
                if (again.StatusCode == HttpStatusCode.Accepted)
                {
                    admittedLater++;
                    return false;
                }

                refusedBy.Add(Assert.Single(await ViolatedPoliciesAsync(again)));
                return refusedBy[^1] == "account-mail-daily";
            },
            TimeSpan.FromSeconds(15),
            "a refusal by account-mail-daily");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(1, admittedLater);
        Assert.NotEmpty(refusedBy[..^1]);
        Assert.All(refusedBy[..^1], policy => Assert.Equal("account-mail", policy));
    }

    [Fact]
    public async Task CodeGuessesOnOneAccountStopAtTheAccountQuotaEvenWithNewCodes()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(api);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var guess = await api.PostAsJsonAsync(
                attempt % 2 == 0 ? "/auth/email/verify" : "/auth/password/reset",
                new { email = user.Email, code = $"{attempt:D6}", newPassword = "a guessing attacker's password" },
                CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
        }

        using var refused = await api.PostAsJsonAsync("/auth/email/verify", new { email = user.Email, code = "999999" }, CancellationToken);

        await AssertQuotaExceededAsync(refused, "account-code");
    }

    /// <summary>Nobody can guess the link's token, so wrong codes that use up the quota leave the owner the link.</summary>
    [Fact]
    public async Task CodeGuessesThatUseUpTheAccountQuotaLeaveItsOwnerTheLinks()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        using var mailbox = fixture.CreateMailbox();
        var email = NewEmail();
        await RegisterAsync(api, email);
        var verification = await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var guess = await api.PostAsJsonAsync(
                attempt % 2 == 0 ? "/auth/email/verify" : "/auth/password/reset",
                new { email, code = $"{attempt:D6}", newPassword = "a guessing attacker's password" },
                CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
        }

        using var refused = await api.PostAsJsonAsync("/auth/email/verify", new { email, code = "999999" }, CancellationToken);
        using var verified = await api.PostAsJsonAsync("/auth/email/verify", new { email, token = Mailbox.TokenIn(verification) }, CancellationToken);
        using var forgot = await api.PostAsJsonAsync("/auth/password/forgot", new { email }, CancellationToken);
        var reset = await mailbox.WaitForAsync(email, Mailbox.Subjects.Reset);
        using var newPassword = await api.PostAsJsonAsync(
            "/auth/password/reset", new { email, token = Mailbox.TokenIn(reset), newPassword = "the owner's new password" }, CancellationToken);

        await AssertQuotaExceededAsync(refused, "account-code");
        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, newPassword.StatusCode);
    }

    [Fact]
    public async Task ForgotPasswordRequestsFromOneAddressAreLimitedWhateverTheAccount()
    {
        var settings = IsolatedQuotas.Settings(("Endpoints:password-forgot:Limit", "2"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        HttpClient[] clients = [instanceA.CreateClient(), instanceB.CreateClient()];

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request < 3; request++)
        {
            using var response = await clients[request % 2].PostAsJsonAsync("/auth/password/forgot", new { email = NewEmail() }, CancellationToken);
            statuses.Add(response.StatusCode);
            if (request == 2)
            {
                await AssertQuotaExceededAsync(response, "password-forgot");
            }
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>At the shipped quota: one address cannot mail a stream of strangers by registering them.</summary>
    [Fact]
    public async Task RegistrationsFromOneAddressAreLimitedWhateverTheAddressesRegistered()
    {
        var limit = new RateLimitingOptions().Endpoints["register"].Limit;
        var settings = IsolatedQuotas.Settings(("Endpoints:register:Limit", $"{limit}"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        HttpClient[] clients = [instanceA.CreateClient(), instanceB.CreateClient()];

        var statuses = new List<HttpStatusCode>();
        for (var request = 0; request <= limit; request++)
        {
            using var response = await clients[request % 2].PostAsJsonAsync(
                "/auth/register", new { email = NewEmail(), password = Password, displayName = "Test user" }, CancellationToken);
            statuses.Add(response.StatusCode);
            if (request == limit)
            {
                await AssertQuotaExceededAsync(response, "register");
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, limit), HttpStatusCode.TooManyRequests], statuses);
    }
}
