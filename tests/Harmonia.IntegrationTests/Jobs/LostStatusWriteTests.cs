using System.Diagnostics;
using Harmonia.IntegrationTests.Notifications;
using Harmonia.Jobs;
using Harmonia.Notifications;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// MongoDB decides a job's state; Redis only mirrors it and may lose any write. These tests let a job complete and
/// then put back the running snapshot Redis held before, as if the worker's final write had timed out or a failover
/// had lost it, and check that readers still see the job finish and its owner hears of it.
/// </summary>
public sealed class LostStatusWriteTests(AppHostFixture fixture)
{
    /// <summary>A job's status snapshot, its key whole (DUMP) and its time to live, read at one instant.</summary>
    private const string ReadStatusScript =
        "return {redis.call('HGET', KEYS[1], 'data'), redis.call('DUMP', KEYS[1]), redis.call('PTTL', KEYS[1])}";

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AJobWhoseFinalStatusWriteIsLostIsShownFinishedOnceTheStaleStatusLapses()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song whose ending Redis forgets", durationSeconds: 10);

        await CompleteLosingTheFinalStatusAsync(job.Id);

        Assert.Equal("running", (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status);
        await Eventually.HoldsAsync(
            async () => (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status == "completed",
            JobKeys.UnfinishedStatusTimeToLive + TimeSpan.FromSeconds(5),
            "the job reads as completed once the stale running status has lapsed");
    }

    [Fact]
    public async Task AJobWhoseFinalStatusWriteIsLostStillEndsItsEventStreamWithFinished()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song whose ending nobody announces", durationSeconds: 10);

        var staleFor = await CompleteLosingTheFinalStatusAsync(job.Id);
        var restored = Stopwatch.GetTimestamp();
        var events = await WatchToEndAsync(api, user.Tokens.AccessToken, job.Id);
        var endedAfter = Stopwatch.GetElapsedTime(restored);

        Assert.Equal(("progress", "running"), (events[0].Type, events[0].Job.Status));
        Assert.Equal(("finished", "completed"), (events[^1].Type, events[^1].Job.Status));
        // The stream re-reads MongoDB after 5 s without news; it must not wait for Redis to forget the stale status.
        Assert.True(endedAfter < staleFor, $"The stream ended after {endedAfter}, once the stale status had lapsed ({staleFor}).");
    }

    [Fact]
    public async Task AFinalStatusLostWithItsAnnouncementIsAnnouncedOnceByTheGetThatRefillsIt()
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song whose ending the owner never heard", durationSeconds: 10);
        await CompleteLosingTheFinalStatusAsync(job.Id);
        await ForgetTheFinalAnnouncementAsync(user.Id, job.Id);
        await using var listener = await NotificationListener.OpenAsync(api, user.Tokens.AccessToken);
        Assert.Equal("ready", (await listener.NextAsync(TimeSpan.FromSeconds(10))).Type);

        await Eventually.HoldsAsync(
            async () => (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status == "completed",
            JobKeys.UnfinishedStatusTimeToLive + TimeSpan.FromSeconds(5),
            "a GET refills Redis from MongoDB once the stale running status has lapsed");
        await GetJobAsync(api, user.Tokens.AccessToken, job.Id);

        var announced = await listener.WaitForAsync(
            n => n.Type == NotificationTypes.Job && n.Data.GetProperty("id").GetString() == job.Id,
            TimeSpan.FromSeconds(10));
        Assert.Equal("completed", announced.Data.GetProperty("status").GetString());
        Assert.Single(await AnnouncementsAsync(user.Id, job.Id, JobStatus.Completed));
    }

    /// <summary>
    /// Removes the completion's entry from the owner's notifications, as if the write that carried it had been lost
    /// (its append follows the status write, which failed).
    /// </summary>
    private async Task ForgetTheFinalAnnouncementAsync(string userId, string jobId)
    {
        StreamEntry[] completions = [];
        await Eventually.HoldsAsync(
            async () => (completions = await AnnouncementsAsync(userId, jobId, JobStatus.Completed)).Length > 0,
            FinishBound,
            "the worker announces the completion");

        await fixture.Redis.GetDatabase().StreamDeleteAsync(NotificationKeys.Stream(userId), [.. completions.Select(entry => entry.Id)]);
    }

    /// <summary>The entries of the owner's notifications announcing the job in <paramref name="status"/>.</summary>
    private async Task<StreamEntry[]> AnnouncementsAsync(string userId, string jobId, JobStatus status) =>
        [.. (await fixture.Redis.GetDatabase().StreamRangeAsync(NotificationKeys.Stream(userId)))
            .Where(entry => entry[UserNotifications.TypeField] == NotificationTypes.Job
                && JobStatusStore.Deserialize(entry[UserNotifications.DataField]) is { } snapshot
                && snapshot.Id == jobId && snapshot.Status == status)];

    /// <summary>
    /// Runs the job to completion and then puts back its status as Redis held it while running, with the time it then
    /// had left to live; returns that time.
    /// </summary>
    private async Task<TimeSpan> CompleteLosingTheFinalStatusAsync(string jobId)
    {
        var redis = fixture.Redis.GetDatabase();
        var key = JobKeys.Status(jobId);
        byte[] running = [];
        var timeToLive = TimeSpan.Zero;
        await Eventually.HoldsAsync(
            async () =>
            {
                var read = (RedisResult[])(await redis.ScriptEvaluateAsync(ReadStatusScript, [key]))!;
                (running, timeToLive) = ((byte[]?)read[1] ?? [], TimeSpan.FromMilliseconds((long)read[2]));
                return JobStatusStore.Deserialize((RedisValue)read[0]) is { Status: JobStatus.Running, Progress: > 0 }
                    && timeToLive > TimeSpan.Zero;
            },
            FinishBound,
            "the job runs and reports progress");

        var database = await DatabaseAsync(fixture);
        await Eventually.HoldsAsync(
            async () => (await FindJobAsync(database, jobId))?.Status == JobStatus.Completed
                && JobStatusStore.Deserialize(await redis.HashGetAsync(key, "data"))?.Status == JobStatus.Completed,
            FinishBound,
            "the job completes in MongoDB and in Redis");

        await redis.ExecuteAsync("RESTORE", key, (long)timeToLive.TotalMilliseconds, running, "REPLACE");
        return timeToLive;
    }
}
