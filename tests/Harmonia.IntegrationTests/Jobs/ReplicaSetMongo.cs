using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Harmonia.AppHost.Infrastructure.Local;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// A jongodb of a test's own, run as a single-node replica set: the one way it runs transactions (the AppHost's runs
/// standalone). Started from the AppHost's binary in about a second, stopped when the test ends. It loses write
/// conflicts between transactions silently (docs/scale-out.md), so tests here prove the transaction's commit and
/// abort, never its conflict handling.
/// </summary>
internal sealed class ReplicaSetMongo : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private ReplicaSetMongo(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    /// <summary>For the services, with the database they use and the polling monitor jongodb needs as a replica set.</summary>
    public string ConnectionString { get; }

    public static async Task<ReplicaSetMongo> StartAsync(AppHostFixture fixture)
    {
        var jongodb = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<MongoWireServerResource>().Single().Command;
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo(jongodb, [$"--host=127.0.0.1", $"--port={port}", "--topology-profile=singleNodeReplicaSet", "--replica-set-name=rs0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(StartBound);
        while (await process.StandardOutput.ReadLineAsync(bound.Token) is { } line && !line.StartsWith("JONGODB_URI=", StringComparison.Ordinal))
        {
        }

        return new ReplicaSetMongo(process, $"mongodb://127.0.0.1:{port}/harmonia?replicaSet=rs0&serverMonitoringMode=poll");
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
