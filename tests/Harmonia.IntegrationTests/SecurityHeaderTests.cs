using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Every response carries the OWASP headers for a JSON API, errors included, and none names the server software;
/// responses that carry credentials may not be stored by any cache.
/// </summary>
public sealed class SecurityHeaderTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryKindOfResponseCarriesTheApiSecurityHeaders()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var user = await RegisterAndLoginAsync(api);

        using var ok = await GetAsync(api, "/users/me", user.Tokens.AccessToken);
        using var unauthorized = await api.GetAsync("/users/me", CancellationToken);
        using var notFound = await GetAsync(api, "/no/such/endpoint", user.Tokens.AccessToken);
        using var badRequest = await api.PostAsJsonAsync("/auth/register", new { email = "not an email" }, CancellationToken);

        foreach (var response in new[] { ok, unauthorized, notFound, badRequest })
        {
            var what = $"{response.RequestMessage!.RequestUri!.AbsolutePath} ({(int)response.StatusCode})";
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", what);
            Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var framing) && framing.Single() == "DENY", what);
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp) && csp.Single().Contains("default-src 'none'", StringComparison.Ordinal), what);
            Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", what);
            Assert.False(response.Headers.Contains("Server"), what);
        }

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest],
            new[] { ok, unauthorized, notFound, badRequest }.Select(response => response.StatusCode));
    }

    [Fact]
    public async Task TokenResponsesMayNotBeStored()
    {
        using var api = fixture.CreateApiReplicaClient(0);
        var email = NewEmail();
        using (var registered = await api.PostAsJsonAsync("/auth/register", new { email, password = Password, displayName = "Stored nowhere" }, CancellationToken))
        {
            registered.EnsureSuccessStatusCode();
        }

        using var login = await api.PostAsJsonAsync("/auth/login", new { email, password = Password }, CancellationToken);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(login.Headers.CacheControl?.NoStore, "Cache-Control: no-store on a response with tokens");
    }
}
