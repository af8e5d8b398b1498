using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Harmonia.DataStores;
using Harmonia.Jobs;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// One user may submit at most <c>MaxCreatedPerUserPerDay</c> jobs in any 24 hours. The waiting cap bounded only a
/// backlog, so an account could store a song every few seconds around the clock. Each test has an API of its own with
/// a limit of 3, on a queue no worker serves.
/// </summary>
public sealed class DailyQuotaTests(AppHostFixture fixture)
{
    private const int Limit = 3;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASubmissionBeyondTheDailyQuotaIsRefusedUntilTheOldestLeavesTheDayAndOthersAreUnaffected()
    {
        await using var api = await InProcessApi.StartAsync(fixture, Settings());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var other = await RegisterAndLoginAsync(client);
        var accepted = new List<Job>();
        for (var i = 0; i < Limit; i++)
        {
            accepted.Add(await SubmitSongAsync(client, user.Tokens.AccessToken, $"song {i} of the day", durationSeconds: 1));
        }

        using var refused = await PostAsync(client, user.Tokens.AccessToken, Song("one more than the day allows", 1));
        using var othersJob = await PostAsync(client, other.Tokens.AccessToken, Song("someone else's", 1));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(CancellationToken);
        Assert.Equal("daily", problem.GetProperty("cap").GetString());
        Assert.Equal(Limit, problem.GetProperty("limit").GetInt32());
        // The first job was created moments ago, so room comes back a day after it: a few seconds short of a day.
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromDays(1) - TimeSpan.FromMinutes(5), TimeSpan.FromDays(1));
        Assert.Equal(HttpStatusCode.Accepted, othersJob.StatusCode);
        var listed = (await ListJobsAsync(client, user.Tokens.AccessToken, page: 1, pageSize: 20)).Items;
        Assert.Equal(accepted.Select(job => job.Id).Reverse(), listed.Select(job => job.Id));
        Assert.All(listed, job => Assert.Equal("pending", job.Status));
        Assert.Equal(Limit, await CountStoredAsync(user.Id));
    }

    [Fact]
    public async Task CanceledJobsStillCountAgainstTheDailyQuota()
    {
        await using var api = await InProcessApi.StartAsync(fixture, Settings());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        var jobs = new List<Job>();
        for (var i = 0; i < Limit; i++)
        {
            jobs.Add(await SubmitSongAsync(client, user.Tokens.AccessToken, $"song {i}, soon canceled", durationSeconds: 1));
        }

        foreach (var job in jobs)
        {
            using var canceled = await SendAsync(client, HttpMethod.Post, $"/jobs/{job.Id}/cancel", user.Tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        using var refused = await PostAsync(client, user.Tokens.AccessToken, Song("nothing waits, but the day is spent", 1));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("daily", (await refused.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).GetProperty("cap").GetString());
        Assert.Equal(Limit, await CountStoredAsync(user.Id));
    }

    private async Task<long> CountStoredAsync(string userId)
    {
        MongoConventions.Register();
        return await (await DatabaseAsync(fixture)).GetCollection<JobDocument>(JobStore.Name)
            .CountDocumentsAsync(job => job.UserId == userId, cancellationToken: CancellationToken);
    }

    private static Dictionary<string, string?> Settings() => new()
    {
        ["Harmonia:Jobs:Queue"] = NewQueue("daily"),
        ["Harmonia:Jobs:MaxCreatedPerUserPerDay"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Harmonia:RateLimiting:Endpoints:jobs-create:Limit"] = "1000",
    };
}
