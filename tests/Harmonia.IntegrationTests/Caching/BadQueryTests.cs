using System.Net;
using Harmonia.IntegrationTests.Auth;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

public sealed class BadQueryTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData("?page=0")]
    [InlineData("?page=-1")]
    [InlineData("?page=10001")]
    [InlineData("?page=abc")]
    [InlineData("?pageSize=0")]
    [InlineData("?pageSize=101")]
    [InlineData("?pageSize=1e3")]
    [InlineData("?type=album")]
    [InlineData("?type=SONG")]
    public async Task InvalidLibraryQueryIsAProblem(string query)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await GetAsync(api, $"/library{query}", user.Tokens.AccessToken);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    public static TheoryData<object> InvalidItems => new()
    {
        new { },
        new { type = "album", title = "x" },
        new { type = "playlist" },
        new { type = "playlist", title = "   " },
        new { type = "playlist", title = new string('t', 201) },
        new { type = "song" },
        new { type = "song", songId = "not-an-object-id" },
        new { type = "song", songId = "000000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(InvalidItems))]
    public async Task InvalidLibraryItemIsAProblem(object item)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await SendAsync(api, HttpMethod.Post, "/library", user.Tokens.AccessToken, item);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0, (await new LibraryClient(api, user.Tokens.AccessToken).GetPageAsync()).Total);
    }

    public static TheoryData<object> InvalidProfileChanges => new()
    {
        new { displayName = "" },
        new { displayName = new string('n', 51) },
        new { bio = new string('b', 501) },
        new { bio = "tab\tin bio" },
        new { avatarUrl = "http://example.com/not-https.png" },
        new { avatarUrl = "javascript:alert(1)" },
        new { avatarUrl = "/relative.png" },
    };

    [Theory]
    [MemberData(nameof(InvalidProfileChanges))]
    public async Task InvalidProfileChangeIsAProblemAndChangesNothing(object change)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api, displayName: "Unchanged");

        using var response = await SendAsync(api, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, change);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        using var profile = await GetAsync(api, "/users/me", user.Tokens.AccessToken);
        Assert.Contains("\"displayName\":\"Unchanged\"", await profile.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
