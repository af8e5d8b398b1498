using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Crashes and data loss: a worker killed mid-job, a flushed Redis. These disturb every job in flight, so they
/// run one at a time after the parallel tests.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed class JobRecoveryTests(AppHostFixture fixture)
{
    [Fact]
    public async Task JobOfAKilledWorkerCompletesAfterRestartWithExactlyOneSongAndLibraryItem()
    {
        using var api = fixture.CreateApiClient();
        await JobRecoveryScenarios.KilledWorkerJobCompletesExactlyOnceAsync(fixture.App, api, await DatabaseAsync(fixture), "survives a crash");
    }

    [Fact]
    public async Task FlushingRedisWithJobsQueuedTakesThemUpAgainWithinFiveSeconds()
    {
        using var api = fixture.CreateApiClient();
        await JobRecoveryScenarios.FlushedQueueTakesUpAndCompletesEveryJobAsync(api, await DatabaseAsync(fixture), FlushRedisAsync, "flushed song");
    }

    private async Task FlushRedisAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{await fixture.ConnectionStringAsync("redis")},allowAdmin=true");
        foreach (var server in redis.GetServers())
        {
            await server.FlushAllDatabasesAsync();
        }
    }
}
