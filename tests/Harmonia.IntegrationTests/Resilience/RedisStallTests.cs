using Harmonia.Bench.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Resilience;

/// <summary>
/// A Redis that stops answering on open connections, long enough for StackExchange.Redis to give its sockets up as dead.
/// It then fails the calls still awaiting an answer with whatever the teardown produced, unwrapped (a cancellation with
/// no token, or its read loop's <c>InvalidOperationException</c> from the completed pipe), and a service loop that let
/// one out stopped its host. Which of them a stall produces is a race inside the client, so the deterministic proof is
/// <c>Harmonia.Tests.Redis.TornDownRedisCallTests</c>; this is the whole of it on real connections. An API and a worker of
/// the test's own, on a Redis of its own to freeze.
/// </summary>
public sealed class RedisStallTests(AppHostFixture fixture)
{
    /// <summary>
    /// Longer than the client takes to find the socket dead: whole seconds without a read above four command timeouts
    /// (three seconds, at the shipped half second), checked on its quarter-second heartbeat.
    /// </summary>
    private static readonly TimeSpan StallFor = TimeSpan.FromSeconds(5);

    /// <summary>Each stall is a new chance that a call is in flight, not yet timed out, as the client tears its socket down.</summary>
    private const int Stalls = 3;

    [Fact]
    public async Task ServicesOutliveRedisStallsThatMakeTheClientDropItsConnectionsAndRunJobsOnceItAnswers()
    {
        var queue = NewQueue("stall");
        await using var redis = await OwnRedis.StartAsync(fixture);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Harmonia:Jobs:Queue"] = queue,
            // The shipped wait (the in-process worker's default is longer), and a worker that looks often, so calls are
            // often in flight, and the socket is given up within seconds.
            ["Harmonia:Redis:CommandTimeout"] = "00:00:00.500",
            ["Harmonia:Jobs:PollInterval"] = "00:00:00.050",
        };
        await using var api = await InProcessApi.StartAsync(fixture, settings);
        await using var worker = await InProcessWorker.StartAsync(fixture, settings, new NoOpSongGenerator());
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, (await SubmitSongAsync(client, user.Tokens.AccessToken, "before", 1)).Id))[^1].Job.Status);

        for (var stall = 0; stall < Stalls; stall++)
        {
            await redis.FreezeAsync();
            try
            {
                await Task.Delay(StallFor, TestContext.Current.CancellationToken);
            }
            finally
            {
                await redis.ThawAsync();
            }

            AssertRunning(api.Services, "API");
            AssertRunning(worker.Services, "worker");
        }

        var job = await SubmitSongAsync(client, user.Tokens.AccessToken, "after the stalls", durationSeconds: 1);
        Assert.Equal("completed", (await WatchToEndAsync(client, user.Tokens.AccessToken, job.Id))[^1].Job.Status);
        AssertRunning(api.Services, "API");
        AssertRunning(worker.Services, "worker");
    }

    /// <summary>A background service that lets an exception out stops its host (<c>BackgroundServiceExceptionBehavior.StopHost</c>).</summary>
    private static void AssertRunning(IServiceProvider services, string which) =>
        Assert.False(services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, $"the {which} is stopping");
}
