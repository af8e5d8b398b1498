using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Harmonia.AppHost.Infrastructure.Local;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Harmonia.IntegrationTests;

/// <summary>
/// A Redis of a test's own, started from the AppHost's <c>redis-server</c> and stopped when the test ends: for counting
/// what one service instance sends Redis (the AppHost's Redis also serves its replicas and every other test), and for
/// freezing it (SIGSTOP) without disturbing them.
/// </summary>
internal sealed class OwnRedis : IAsyncDisposable
{
    private readonly OwnServerProcess _server;

    private OwnRedis(OwnServerProcess server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }

    /// <summary>For the services: loopback, no password.</summary>
    public string ConnectionString { get; }

    public static async Task<OwnRedis> StartAsync(AppHostFixture fixture)
    {
        var redisServer = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LocalRedisResource>().Single().Command;
        var port = LoopbackPort.Free();
        var server = await OwnServerProcess.StartAsync(
            redisServer,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            line => line.Contains("Ready to accept connections", StringComparison.Ordinal));
        return new OwnRedis(server, $"127.0.0.1:{port}");
    }

    /// <summary>How many times the server has run <paramref name="command"/> since it started (<c>INFO commandstats</c>).</summary>
    public async Task<long> CallsAsync(string command)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");
        var stats = (await connection.GetServers().Single().InfoAsync("commandstats")).SelectMany(section => section);
        // cmdstat_ping:calls=12,usec=...
        return stats.FirstOrDefault(pair => pair.Key == $"cmdstat_{command}").Value is { } value
            ? long.Parse(value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture)
            : 0;
    }

    /// <inheritdoc cref="OwnServerProcess.FreezeAsync"/>
    public Task FreezeAsync() => _server.FreezeAsync();

    /// <inheritdoc cref="OwnServerProcess.ThawAsync"/>
    public Task ThawAsync() => _server.ThawAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
