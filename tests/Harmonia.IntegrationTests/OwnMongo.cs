using Aspire.Hosting.ApplicationModel;
using Harmonia.AppHost.Infrastructure.Local;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests;

/// <summary>
/// A jongodb of a test's own, started from the AppHost's binary in about a second and stopped when the test ends:
/// for what the AppHost's shared one cannot do. As a single-node replica set it runs transactions (the AppHost's runs
/// standalone); it loses write conflicts between transactions silently (docs/scale-out.md), so tests prove a
/// transaction's commit and abort, never its conflict handling. Either kind can be frozen (SIGSTOP): a server
/// that keeps its connections open and answers nothing, as a hung process or a network dropping packets does.
/// </summary>
internal sealed class OwnMongo : IAsyncDisposable
{
    private readonly OwnServerProcess _server;

    private OwnMongo(OwnServerProcess server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }

    /// <summary>For the services, with the database they use and the polling monitor jongodb needs as a replica set.</summary>
    public string ConnectionString { get; }

    public static Task<OwnMongo> StartReplicaSetAsync(AppHostFixture fixture) =>
        StartAsync(fixture, ["--topology-profile=singleNodeReplicaSet", "--replica-set-name=rs0"], "replicaSet=rs0&serverMonitoringMode=poll");

    public static Task<OwnMongo> StartStandaloneAsync(AppHostFixture fixture) =>
        StartAsync(fixture, [], "serverMonitoringMode=poll");

    /// <inheritdoc cref="OwnServerProcess.FreezeAsync"/>
    public Task FreezeAsync() => _server.FreezeAsync();

    /// <inheritdoc cref="OwnServerProcess.ThawAsync"/>
    public Task ThawAsync() => _server.ThawAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task<OwnMongo> StartAsync(AppHostFixture fixture, string[] topology, string options)
    {
        var jongodb = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<MongoWireServerResource>().Single().Command;
        var port = LoopbackPort.Free();
        var server = await OwnServerProcess.StartAsync(
            jongodb, ["--host=127.0.0.1", $"--port={port}", .. topology], line => line.StartsWith("JONGODB_URI=", StringComparison.Ordinal));
        return new OwnMongo(server, $"mongodb://127.0.0.1:{port}/harmonia?{options}");
    }
}
