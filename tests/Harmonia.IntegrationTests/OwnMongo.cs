using System.Diagnostics;
using System.Globalization;
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
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private OwnMongo(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    /// <summary>For the services, with the database they use and the polling monitor jongodb needs as a replica set.</summary>
    public string ConnectionString { get; }

    public static Task<OwnMongo> StartReplicaSetAsync(AppHostFixture fixture) =>
        StartAsync(fixture, ["--topology-profile=singleNodeReplicaSet", "--replica-set-name=rs0"], "replicaSet=rs0&serverMonitoringMode=poll");

    public static Task<OwnMongo> StartStandaloneAsync(AppHostFixture fixture) =>
        StartAsync(fixture, [], "serverMonitoringMode=poll");

    /// <summary>Stops the server where it stands (SIGSTOP): connections stay open, nothing is answered.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    /// <summary>Lets a frozen server go on (SIGCONT).</summary>
    public Task ThawAsync() => SignalAsync("-CONT");

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static async Task<OwnMongo> StartAsync(AppHostFixture fixture, string[] topology, string options)
    {
        var jongodb = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<MongoWireServerResource>().Single().Command;
        var port = LoopbackPort.Free();
        var process = Process.Start(new ProcessStartInfo(jongodb, ["--host=127.0.0.1", $"--port={port}", .. topology])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(StartBound);
        while (await process.StandardOutput.ReadLineAsync(bound.Token) is { } line && !line.StartsWith("JONGODB_URI=", StringComparison.Ordinal))
        {
        }

        return new OwnMongo(process, $"mongodb://127.0.0.1:{port}/harmonia?{options}");
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
