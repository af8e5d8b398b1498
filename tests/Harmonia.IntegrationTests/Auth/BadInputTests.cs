using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>Whatever a client sends, the answer is a 4xx ProblemDetails, never a 500.</summary>
public sealed class BadInputTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> UnreadableBodies => new()
    {
        { "/auth/register", "{\"email\":" },
        { "/auth/register", "[1,2,3]" },
        { "/auth/login", "not json" },
        { "/auth/refresh", "{\"refreshToken\": 42}" },
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task MalformedJsonIsABadRequest(string path, string body)
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    /// <summary>
    /// ASP.NET Core reads a JSON body in the charset its Content-Type names, and threw on one it does not know or a
    /// quoted one: a 500 for anyone, signed in or not.
    /// </summary>
    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=\"bogus\"")]
    [InlineData("application/json; charset=utf-7")]
    public async Task AJsonBodyInAnUnknownCharsetIsAnUnsupportedMediaType(string contentType)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await api.PostAsync("/auth/login", Login(user.Email, contentType), CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    /// <summary>RFC 9110 §5.6.6: a parameter's quoted value is the same value.</summary>
    [Theory]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    public async Task AQuotedUtf8CharsetIsUtf8(string contentType)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await api.PostAsync("/auth/login", Login(user.Email, contentType), CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Kestrel reads header values as UTF-8; the device's name was the User-Agent's first 200 UTF-16 code units, half
    /// an emoji here, which failed the session's insert (a 500) after the sign-in had written its refresh token.
    /// </summary>
    [Fact]
    public async Task ALongUserAgentEndingInAnEmojiNamesTheDeviceWithoutTheHalfEmoji()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        using var device = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = fixture.ApiReplicaAddresses[0],
        };
        Assert.True(device.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", new string('a', 199) + "😀"));

        using var response = await device.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<Tokens>(CancellationToken);
        using var listed = await GetAsync(api, "/auth/sessions", tokens!.AccessToken);
        var sessions = await listed.Content.ReadFromJsonAsync<List<ListedSession>>(CancellationToken);
        Assert.Equal(new string('a', 199), sessions!.Single(session => session.Id == tokens.SessionId).Device);
    }

    public static TheoryData<object, string> InvalidRegistrations => new()
    {
        { new { }, "Email" },
        { new { email = "someone@example.com", displayName = "No password" }, "Password" },
        { new { email = "not-an-email", password = Password, displayName = "Ann" }, "Email" },
        { new { email = "ann@localhost", password = Password, displayName = "Ann" }, "Email" },
        { new { email = "Ann <ann@example.com>", password = Password, displayName = "Ann" }, "Email" },
        { new { email = "\"ann\"@example.com", password = Password, displayName = "Ann" }, "Email" },
        { new { email = "ann@\uFF45xample.com", password = Password, displayName = "Ann" }, "Email" },
        { new { email = NewEmail(), password = "short1!", displayName = "Ann" }, "Password" },
        { new { email = NewEmail(), password = "aaaaaaaaaaaaaaaa", displayName = "Ann" }, "Password" },
        { new { email = "dorothea@example.com", password = "dorothea-1234567", displayName = "Ann" }, "Password" },
        { new { email = NewEmail(), password = new string('x', 64) + "abcdefghijklmnopqrstuvwxyz" + new string('y', 64), displayName = "Ann" }, "Password" },
        { new { email = NewEmail(), password = Password, displayName = "" }, "DisplayName" },
        { new { email = NewEmail(), password = Password, displayName = new string('a', 51) }, "DisplayName" },
        { new { email = NewEmail(), password = Password, displayName = "bell\u0007" }, "DisplayName" },
        { new { email = NewEmail(), password = Password, displayName = "\u200B" }, "DisplayName" },
        { new { email = NewEmail(), password = Password, displayName = "Ann\u202Eeve" }, "DisplayName" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task InvalidRegistrationIsAValidationProblemNamingTheField(object registration, string field)
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.PostAsJsonAsync("/auth/register", registration, CancellationToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains($"\"{field}\"", problem, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Accounts are keyed by one spelling of an address, so a mail server's other spellings of it are refused.</summary>
    [Fact]
    public async Task AQuotedSpellingOfARegisteredAddressIsAValidationProblem()
    {
        using var api = fixture.CreateApiClient();
        var localPart = $"user-{Guid.NewGuid():N}";
        await RegisterAsync(api, $"{localPart}@example.com");

        using var response = await api.PostAsJsonAsync(
            "/auth/register", new { email = $"\"{localPart}\"@example.com", password = Password, displayName = "Ann" }, CancellationToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("\"Email\"", problem, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Asked twice: the second answer comes from the description of the query type the API remembered.</summary>
    [Theory]
    [InlineData("type=bogus", "Type")]
    [InlineData("pageSize=1000", "PageSize")]
    [InlineData("page=0", "Page")]
    [InlineData("page=501", "Page")]
    [InlineData("page=101&pageSize=100", "Page")]
    public async Task AnInvalidLibraryQueryIsAValidationProblemNamingTheField(string query, string field)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await GetAsync(api, $"/library?{query}", user.Tokens.AccessToken);

            var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Contains($"\"{field}\"", problem, StringComparison.OrdinalIgnoreCase);
        }

        using var valid = await GetAsync(api, "/library?type=song&page=2&pageSize=5", user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task OversizedBodyIsRefusedAsTooLarge()
    {
        using var api = fixture.CreateApiClient();
        var padding = new string('a', 256 * 1024);

        using var response = await api.PostAsJsonAsync("/auth/login", new { email = NewEmail(), password = padding }, CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task MissingRefreshTokenIsAValidationProblem()
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.PostAsJsonAsync("/auth/refresh", new { }, CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownRefreshTokenIsUnauthorized()
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken = "never-issued" }, CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("not-a-session-id")]
    [InlineData("000000000000000000000000")]
    public async Task EndingAnUnknownSessionIsNotFound(string sessionId)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await SendAsync(api, HttpMethod.Delete, $"/auth/sessions/{sessionId}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A valid sign-in body, sent with <paramref name="contentType"/> exactly as written.</summary>
    private static StringContent Login(string email, string contentType)
    {
        var content = new StringContent(JsonSerializer.Serialize(new { email, password = Password }));
        content.Headers.Remove("Content-Type");
        Assert.True(content.Headers.TryAddWithoutValidation("Content-Type", contentType));
        return content;
    }

    internal static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(CancellationToken);
    }

    private sealed record ListedSession(string Id, string Device);
}
