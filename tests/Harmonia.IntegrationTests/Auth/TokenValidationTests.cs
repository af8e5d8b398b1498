using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>Only tokens the API issued, unexpired, for its audience, signed HS256 with its key, get through.</summary>
public sealed class TokenValidationTests(AppHostFixture fixture)
{
    private const string Issuer = "harmonia";
    private const string Audience = "harmonia-api";

    [Fact]
    public async Task MissingTokenIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.GetAsync("/auth/sessions", TestContext.Current.CancellationToken);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task GarbageTokenIsUnauthorized(string token)
    {
        using var api = fixture.CreateApiClient();

        using var response = await GetAsync(api, "/auth/sessions", token);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TamperedPayloadIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var other = await RegisterAndLoginAsync(api);
        var parts = user.Tokens.AccessToken.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace(user.Id, other.Id, StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        using var response = await GetAsync(api, "/auth/sessions", tampered);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TokenSignedWithAnotherKeyIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var forged = Sign(user, RandomNumberGenerator.GetBytes(64), DateTime.UtcNow.AddMinutes(10));

        using var response = await GetAsync(api, "/auth/sessions", forged);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ExpiredTokenIsUnauthorizedEvenWithTheRightKey()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var key = Encoding.UTF8.GetBytes(await fixture.ParameterValueAsync("jwt-signing-key"));
        var control = Sign(user, key, DateTime.UtcNow.AddMinutes(10));
        var expired = Sign(user, key, DateTime.UtcNow.AddMinutes(-5));

        using var accepted = await GetAsync(api, "/auth/sessions", control);
        using var rejected = await GetAsync(api, "/auth/sessions", expired);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await BadInputTests.AssertProblemAsync(rejected, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UnsignedTokenWithAlgNoneIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var payload = user.Tokens.AccessToken.Split('.')[1];
        var header = Base64Url.EncodeToString("""{"alg":"none","typ":"JWT"}"""u8);

        using var response = await GetAsync(api, "/auth/sessions", $"{header}.{payload}.");

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    public async Task OtherAlgorithmOverTheRightKeyIsUnauthorized(string algorithm)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var key = Encoding.UTF8.GetBytes(await fixture.ParameterValueAsync("jwt-signing-key"));

        using var response = await GetAsync(api, "/auth/sessions", Sign(user, key, DateTime.UtcNow.AddMinutes(10), algorithm));

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TokenForAnotherAudienceIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var key = Encoding.UTF8.GetBytes(await fixture.ParameterValueAsync("jwt-signing-key"));

        using var response = await GetAsync(api, "/auth/sessions", Sign(user, key, DateTime.UtcNow.AddMinutes(10), audience: "another-api"));

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private static string Sign(SignedInUser user, byte[] key, DateTime expires, string algorithm = SecurityAlgorithms.HmacSha256, string audience = Audience) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = expires.AddMinutes(-15),
            NotBefore = expires.AddMinutes(-15),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = user.Id, ["sid"] = user.Tokens.SessionId },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), algorithm),
        });
}
