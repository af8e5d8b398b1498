using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Crashes an AppHost's worker and starts it again, as a dead machine and its replacement would.</summary>
internal static class WorkerProcess
{
    private static readonly TimeSpan RestartBound = TimeSpan.FromMinutes(2);

    /// <summary>SIGKILL to the worker's process tree (the orchestrator may run it under a <c>dotnet</c> launcher): no shutdown code runs.</summary>
    public static async Task KillAsync(DistributedApplication app)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState("worker", out var worker));
        var pid = worker.Snapshot.Properties.Single(property => property.Name == "executable.pid").Value;
        using var process = Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(RestartBound);
        await app.ResourceNotifications.WaitForResourceAsync(
            "worker", [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart], bound.Token);
    }

    /// <summary>Starts the worker from the dashboard's command and waits until it reports healthy.</summary>
    public static async Task StartAsync(DistributedApplication app)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(RestartBound);
        var started = await app.ResourceCommands.ExecuteCommandAsync("worker", KnownResourceCommands.StartCommand, bound.Token);
        Assert.True(started.Success, started.Message);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("worker", bound.Token);
    }
}
