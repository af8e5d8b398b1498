using System.Net;
using System.Net.Http.Json;
using System.Text;
using Harmonia.IntegrationTests.Auth;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Whatever a client sends to the jobs endpoints, the answer is a 4xx, never a 500.</summary>
public sealed class JobBadInputTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public static TheoryData<object, string> InvalidSubmissions => new()
    {
        { new { prompt = "no type", durationSeconds = 5 }, "Type" },
        { new { type = "video", prompt = "not a song", durationSeconds = 5 }, "Type" },
        { new { type = "song", durationSeconds = 5 }, "Prompt" },
        { new { type = "song", prompt = "ab", durationSeconds = 5 }, "Prompt" },
        { new { type = "song", prompt = new string('a', 501), durationSeconds = 5 }, "Prompt" },
        { new { type = "song", prompt = "bell\u0007", durationSeconds = 5 }, "Prompt" },
        { new { type = "song", prompt = "   ", durationSeconds = 5 }, "Prompt" },
        { new { type = "song", prompt = "no duration" }, "DurationSeconds" },
        { new { type = "song", prompt = "too short", durationSeconds = 0 }, "DurationSeconds" },
        { new { type = "song", prompt = "too long", durationSeconds = 31 }, "DurationSeconds" },
    };

    [Theory]
    [MemberData(nameof(InvalidSubmissions))]
    public async Task InvalidSubmissionIsAValidationProblemNamingTheField(object submission, string field)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await PostAsync(api, user.Tokens.AccessToken, submission);

        var problem = await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains($"\"{field}\"", problem, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("{\"type\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"type\":\"song\",\"prompt\":\"x y z\",\"durationSeconds\":\"five\"}")]
    public async Task MalformedSubmissionIsABadRequest(string body)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", user.Tokens.AccessToken);

        using var response = await api.SendAsync(request, CancellationToken);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OverlongIdempotencyKeyIsAValidationProblem()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await PostAsync(api, user.Tokens.AccessToken, Song("a fine prompt", 1), idempotencyKey: new string('k', 256));

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=101")]
    [InlineData("page=abc")]
    [InlineData("page=99999999999")]
    [InlineData("page=501")]
    [InlineData("page=101&pageSize=100")]
    [InlineData("page=10000&pageSize=100")]
    public async Task BadPagingIsABadRequest(string query)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await GetAsync(api, $"/jobs?{query}", user.Tokens.AccessToken);

        await BadInputTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    /// <summary>Pages reach the first 10,000 jobs (docs/jobs.md), whatever their size.</summary>
    [Theory]
    [InlineData("page=500")]
    [InlineData("page=100&pageSize=100")]
    [InlineData("page=10000&pageSize=1")]
    public async Task ThePagesOfTheFirstTenThousandJobsAreServed(string query)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await GetAsync(api, $"/jobs?{query}", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/jobs/not-an-id")]
    [InlineData("/jobs/000000000000000000000000")]
    [InlineData("/jobs/not-an-id/events")]
    [InlineData("/jobs/000000000000000000000000/events")]
    [InlineData("/songs/not-an-id/audio")]
    [InlineData("/songs/000000000000000000000000/audio")]
    public async Task UnknownJobOrSongIsNotFound(string path)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(api, path, user.Tokens.AccessToken));
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("000000000000000000000000")]
    public async Task CancelingAnUnknownJobIsNotFound(string id)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var response = await SendAsync(api, HttpMethod.Post, $"/jobs/{id}/cancel", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/jobs")]
    [InlineData("POST", "/jobs")]
    [InlineData("GET", "/jobs/000000000000000000000000/events")]
    [InlineData("GET", "/songs/000000000000000000000000/audio")]
    public async Task JobsAndAudioRequireSigningIn(string method, string path)
    {
        using var api = fixture.CreateApiClient();

        using var response = await api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(Song("anonymous", 1)) }, CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
