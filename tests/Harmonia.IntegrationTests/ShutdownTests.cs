namespace Harmonia.IntegrationTests;

public sealed class ShutdownTests
{
    private static readonly string[] StartedProcessNames = ["redis-server", "jongodb", "Harmonia.Api", "Harmonia.Worker"];

    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task CtrlCLeavesNoInfrastructureOrServiceProcessBehind()
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(StartBound);
        var cancellationToken = bound.Token;
        using var appHost = AppHostProcess.Start();
        await appHost.WaitForOutputAsync("Distributed application started", cancellationToken);
        var started = await WaitForDescendantsAsync(appHost.Id, StartedProcessNames, cancellationToken);

        appHost.Interrupt();
        bound.CancelAfter(ShutdownBound);
        await appHost.WaitForExitAsync(cancellationToken);

        foreach (var process in started)
        {
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until the AppHost's orchestrator runs one process of each name.</summary>
    private static async Task<List<ProcessTree.Entry>> WaitForDescendantsAsync(int appHostId, string[] names, CancellationToken cancellationToken)
    {
        while (true)
        {
            var started = ProcessTree.OrchestratedBy(appHostId).Where(process => names.Contains(process.Name)).ToList();
            if (started.Select(process => process.Name).Distinct().Count() == names.Length)
            {
                return started;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
