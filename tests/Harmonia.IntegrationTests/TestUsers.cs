using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Harmonia.IntegrationTests;

/// <summary>Signs test users up and in; every test gets users of its own, so tests never share state.</summary>
internal static class TestUsers
{
    public const string Password = "a long enough test password";

    public sealed record Tokens(string AccessToken, string RefreshToken, string SessionId);

    public sealed record SignedInUser(string Id, string Email, Tokens Tokens);

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public static async Task<SignedInUser> RegisterAndLoginAsync(HttpClient api, string? displayName = null, string? email = null)
    {
        email ??= NewEmail();
        using var registered = await api.PostAsJsonAsync(
            "/auth/register", new { email, password = Password, displayName = displayName ?? "Test user" }, TestContext.Current.CancellationToken);
        registered.EnsureSuccessStatusCode();
        var profile = await registered.Content.ReadFromJsonAsync<Profile>(TestContext.Current.CancellationToken);
        return new SignedInUser(profile!.Id, email, await LoginAsync(api, email));
    }

    public static async Task<Tokens> LoginAsync(HttpClient api, string email)
    {
        using var response = await api.PostAsJsonAsync("/auth/login", new { email, password = Password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Sends a request as the holder of <paramref name="accessToken"/>.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient api, HttpMethod method, string path, string accessToken, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await api.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient api, string path, string accessToken) =>
        SendAsync(api, HttpMethod.Get, path, accessToken);

    public static async Task<HttpStatusCode> GetStatusAsync(HttpClient api, string path, string accessToken)
    {
        using var response = await GetAsync(api, path, accessToken);
        return response.StatusCode;
    }

    private sealed record Profile(string Id);
}
