using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A password hash is a tenth of a second of a core by design, so a replica computes only so many at once and lets
/// only so many wait: a flood of sign-ins gets quick 503s instead of taking every core from everything else.
/// </summary>
public sealed class PasswordHashingLimitTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignInsBeyondTheRunningAndQueuedHashesAreRefusedWith503AndRetryAfter()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Harmonia:Auth:MaxConcurrentPasswordHashes"] = "1",
            ["Harmonia:Auth:PasswordHashQueueLimit"] = "1",
        });
        using var client = instance.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.PostAsJsonAsync("/auth/login", new { email = NewEmail(), password = Password }, CancellationToken)));

        var refused = responses.Where(response => response.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.InRange(refused.Count, 1, 6);
        Assert.All(responses.Except(refused), response => Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode));
        foreach (var response in refused)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
        }

        // The refusals were momentary: with the flood over, a sign-in is checked as usual.
        using var later = await client.PostAsJsonAsync("/auth/login", new { email = NewEmail(), password = Password }, CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, later.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
