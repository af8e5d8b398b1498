using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// The queue view: the API's <c>/admin/jobs</c> endpoints and the worker resource's dashboard commands that call them.
/// Failed and delayed jobs are seeded straight into MongoDB (as a worker would have left them), in the queue the
/// AppHost's worker serves, so a retry or a drain is seen to run them for real.
/// </summary>
public sealed class QueueViewTests(AppHostFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueueViewIsForAdministratorsOnly()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);

        using var anonymous = await api.GetAsync("/admin/jobs?place=failed", CancellationToken);
        using var notAdmin = await GetAsync(api, "/admin/jobs?place=failed", user.Tokens.AccessToken);
        using var drainAsUser = await SendAsync(api, HttpMethod.Post, "/admin/jobs/delayed/drain", user.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, drainAsUser.StatusCode);
    }

    [Fact]
    public async Task UnknownPlaceOrPageSizeIsABadRequest()
    {
        using var api = fixture.CreateApiClient();
        var admin = await AdminAsync(fixture, api);

        using var place = await GetAsync(api, "/admin/jobs?place=everywhere", admin.Tokens.AccessToken);
        using var pageSize = await GetAsync(api, "/admin/jobs?place=failed&pageSize=100000", admin.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.BadRequest, place.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, pageSize.StatusCode);
        Assert.Equal("application/problem+json", place.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task FailedJobsAreListedWithOwnerAttemptsAndErrorAndRetryCommandRunsOneToCompletion()
    {
        using var api = fixture.CreateApiClient();
        var admin = await AdminAsync(fixture, api);
        var owner = await RegisterAndLoginAsync(api);
        var older = await SeedAsync(fixture.Database, owner.Id, JobStatus.Failed, "The generator failed.", attempts: 3);
        var newer = await SeedAsync(fixture.Database, owner.Id, JobStatus.Failed, "The generator failed again.", attempts: 3);

        var firstPage = await ListAsync(api, admin, "failed", pageSize: 1);
        var listCommand = await ExecuteAsync("list-jobs", [("place", "failed"), ("page", "1")]);
        var retried = await ExecuteAsync("retry-job", newer.Id);

        var listed = Assert.Single(firstPage.Items);
        Assert.Equal((newer.Id, owner.Id, 3, "The generator failed again."), (listed.Id, listed.Owner, listed.Attempts, listed.LastError));
        Assert.True(firstPage.HasMore);
        Assert.True(listCommand.Success, listCommand.Message);
        Assert.Contains(newer.Id, listCommand.Data?.Value, StringComparison.Ordinal);
        Assert.True(retried.Success, retried.Message);
        await Eventually.HoldsAsync(async () => (await GetJobAsync(api, owner.Tokens.AccessToken, newer.Id)).Status == "completed", FinishBound, "the retried job completes");
        Assert.Equal(1, (await FindJobAsync(fixture.Database, newer.Id))!.Attempts);
        Assert.Equal(JobStatus.Failed, (await FindJobAsync(fixture.Database, older.Id))!.Status);
    }

    [Fact]
    public async Task RetryingAJobThatDidNotFailChangesNothing()
    {
        using var api = fixture.CreateApiClient();
        var owner = await RegisterAndLoginAsync(api);
        var delayed = await SeedAsync(fixture.Database, owner.Id, JobStatus.Pending, "Try again later.", attempts: 1, nextAttemptAt: DateTime.UtcNow.AddHours(1));

        var retried = await ExecuteAsync("retry-job", delayed.Id);
        var malformed = await ExecuteAsync("retry-job", "../cache/clear");

        Assert.False(retried.Success);
        Assert.False(malformed.Success);
        Assert.Equal(delayed.Version, (await FindJobAsync(fixture.Database, delayed.Id))!.Version);
    }

    [Fact]
    public async Task DrainDelayedCommandStartsAJobWaitingOutItsBackoffNow()
    {
        using var api = fixture.CreateApiClient();
        var admin = await AdminAsync(fixture, api);
        var owner = await RegisterAndLoginAsync(api);
        var delayed = await SeedAsync(fixture.Database, owner.Id, JobStatus.Pending, "Try again later.", attempts: 1, nextAttemptAt: DateTime.UtcNow.AddHours(1));
        Assert.Contains(await ListAllAsync(api, admin, "delayed"), job => job.Id == delayed.Id);

        var drained = await ExecuteAsync("drain-delayed");

        Assert.True(drained.Success, drained.Message);
        await Eventually.HoldsAsync(async () => (await GetJobAsync(api, owner.Tokens.AccessToken, delayed.Id)).Status == "completed", FinishBound, "the drained job completes");
        Assert.DoesNotContain(await ListAllAsync(api, admin, "delayed"), job => job.Id == delayed.Id);
    }

    [Fact]
    public async Task AdministratorCancelsAnyUsersJobAndRemovesItOnlyOnceFinished()
    {
        using var api = fixture.CreateApiClient();
        var admin = await AdminAsync(fixture, api);
        var owner = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, owner.Tokens.AccessToken, "an operator stops this one", durationSeconds: 30);

        using var removeLive = await SendAsync(api, HttpMethod.Delete, $"/admin/jobs/{job.Id}", admin.Tokens.AccessToken);
        using var cancel = await SendAsync(api, HttpMethod.Post, $"/admin/jobs/{job.Id}/cancel", admin.Tokens.AccessToken);
        await Eventually.HoldsAsync(async () => (await GetJobAsync(api, owner.Tokens.AccessToken, job.Id)).Status == "canceled", FinishBound, "the job is canceled");
        var removed = await ExecuteAsync("remove-job", job.Id);
        using var afterRemoval = await GetAsync(api, $"/jobs/{job.Id}", owner.Tokens.AccessToken);

        Assert.Equal(HttpStatusCode.Conflict, removeLive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.True(removed.Success, removed.Message);
        Assert.Equal(HttpStatusCode.NotFound, afterRemoval.StatusCode);
        Assert.Null(await FindJobAsync(fixture.Database, job.Id));
    }

    /// <summary>Runs one of the worker resource's queue commands, as the dashboard does.</summary>
    private Task<ExecuteCommandResult> ExecuteAsync(string command, string? jobId = null) =>
        ExecuteAsync(command, jobId is null ? [] : [("jobId", jobId)]);

    private async Task<ExecuteCommandResult> ExecuteAsync(string command, (string Name, string Value)[] arguments)
    {
        var worker = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == "worker");
        var inputs = new InteractionInputCollection([.. arguments.Select(argument => new InteractionInput { Name = argument.Name, InputType = InputType.Text, Value = argument.Value })]);
        return await fixture.App.ResourceCommands.ExecuteCommandAsync(worker, command, inputs, CancellationToken);
    }

    private static async Task<QueuePage> ListAsync(HttpClient api, SignedInUser admin, string place, int pageSize, int page = 1)
    {
        using var response = await GetAsync(api, $"/admin/jobs?place={place}&page={page}&pageSize={pageSize}", admin.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<QueuePage>(Json, CancellationToken))!;
    }

    private static async Task<List<QueuedJob>> ListAllAsync(HttpClient api, SignedInUser admin, string place)
    {
        var jobs = new List<QueuedJob>();
        for (var page = 1; ; page++)
        {
            var items = await ListAsync(api, admin, place, pageSize: 100, page);
            jobs.AddRange(items.Items);
            if (!items.HasMore)
            {
                return jobs;
            }
        }
    }

    private sealed record QueuePage(string Queue, string Place, List<QueuedJob> Items, int Page, int PageSize, bool HasMore);

    private sealed record QueuedJob(string Id, string Owner, string Status, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt);
}
