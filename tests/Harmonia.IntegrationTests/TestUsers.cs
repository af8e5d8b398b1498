using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Harmonia.IntegrationTests;

/// <summary>Signs test users up and in; every test gets users of its own, so tests never share state.</summary>
internal static class TestUsers
{
    public const string Password = "a long enough test password";

    public sealed record Tokens(string AccessToken, string RefreshToken, string SessionId);

    public sealed record SignedInUser(string Id, string Email, Tokens Tokens);

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    /// <summary>
    /// Registers and signs in without waiting for mail: unverified accounts may sign in, so the hundreds of users the
    /// suite creates cost no mail round trip. The user's id comes from the access token, as registration's answer is
    /// the same for every address and carries none.
    /// </summary>
    public static async Task<SignedInUser> RegisterAndLoginAsync(HttpClient api, string? displayName = null, string? email = null)
    {
        email ??= NewEmail();
        await RegisterAsync(api, email, displayName);
        var tokens = await LoginAsync(api, email);
        return new SignedInUser(UserIdOf(tokens.AccessToken), email, tokens);
    }

    /// <summary>Registers, expecting the one answer registration gives whether or not the address has an account.</summary>
    public static async Task RegisterAsync(HttpClient api, string email, string? displayName = null)
    {
        using var registered = await api.PostAsJsonAsync(
            "/auth/register", new { email, password = Password, displayName = displayName ?? "Test user" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, registered.StatusCode);
    }

    /// <summary>Registers, verifies the address with the code the mail server received, and signs in.</summary>
    public static async Task<SignedInUser> RegisterVerifiedAsync(HttpClient api, Mailbox mailbox, string? email = null)
    {
        email ??= NewEmail();
        await RegisterAsync(api, email);
        var code = Mailbox.CodeIn(await mailbox.WaitForAsync(email, Mailbox.Subjects.Verification));
        using var verified = await api.PostAsJsonAsync("/auth/email/verify", new { email, code }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        var tokens = await LoginAsync(api, email);
        return new SignedInUser(UserIdOf(tokens.AccessToken), email, tokens);
    }

    /// <summary>
    /// Signs in the AppHost's administrator (<see cref="AppHostFixture.AdminEmail"/>). The admin role needs a verified
    /// address, so the first call registers it and verifies it through the mail server. Later calls reuse that
    /// sign-in while its access token has minutes left: the account's own sign-in quota (<c>login-account</c>, 5 a
    /// minute) is shared by every test that needs an administrator.
    /// </summary>
    public static async Task<SignedInUser> AdminAsync(AppHostFixture fixture, HttpClient api)
    {
        await AdminRegistration.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (AdminSignIns.GetValueOrDefault(fixture) is { } signedIn && DateTimeOffset.UtcNow - signedIn.At < AdminSignInReuse)
            {
                return signedIn.Admin;
            }

            if (!_adminVerified)
            {
                using var mailbox = fixture.CreateMailbox();
                await RegisterVerifiedAsync(api, mailbox, AppHostFixture.AdminEmail);
                _adminVerified = true;
            }

            var tokens = await LoginAsync(api, AppHostFixture.AdminEmail);
            var admin = new SignedInUser(UserIdOf(tokens.AccessToken), AppHostFixture.AdminEmail, tokens);
            AdminSignIns[fixture] = (admin, DateTimeOffset.UtcNow);
            return admin;
        }
        finally
        {
            AdminRegistration.Release();
        }
    }

    /// <summary>The <c>sub</c> claim of an access token: the signed-in user's id.</summary>
    public static string UserIdOf(string accessToken)
    {
        var payload = accessToken.Split('.')[1];
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(payload));
        return claims.RootElement.GetProperty("sub").GetString()!;
    }

    public static async Task<Tokens> LoginAsync(HttpClient api, string email)
    {
        using var response = await api.PostAsJsonAsync("/auth/login", new { email, password = Password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>The display name <paramref name="user"/>'s public profile shows, read as that user.</summary>
    public static async Task<string?> DisplayNameAsync(HttpClient api, SignedInUser user)
    {
        using var response = await GetAsync(api, $"/users/{user.Id}", user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var profile = await response.Content.ReadFromJsonAsync<Dictionary<string, object?>>(TestContext.Current.CancellationToken);
        return profile!["displayName"]?.ToString();
    }

    /// <summary>Sends a request as the holder of <paramref name="accessToken"/>; the test's own token cancels it unless one is given.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient api, HttpMethod method, string path, string accessToken, object? body = null, CancellationToken? cancellationToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await api.SendAsync(request, cancellationToken ?? TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient api, string path, string accessToken) =>
        SendAsync(api, HttpMethod.Get, path, accessToken);

    public static async Task<HttpStatusCode> GetStatusAsync(HttpClient api, string path, string accessToken)
    {
        using var response = await GetAsync(api, path, accessToken);
        return response.StatusCode;
    }

    private static readonly SemaphoreSlim AdminRegistration = new(1, 1);

    /// <summary>Well inside the access token's 15 minutes, so a reused sign-in never expires during a test.</summary>
    private static readonly TimeSpan AdminSignInReuse = TimeSpan.FromMinutes(10);

    private static readonly Dictionary<AppHostFixture, (SignedInUser Admin, DateTimeOffset At)> AdminSignIns = [];
    private static bool _adminVerified;
}
