namespace Harmonia.IntegrationTests;

/// <summary>
/// What a developer's Ctrl+C on <c>dotnet run</c> leaves behind: nothing. Each case runs an AppHost process of its own
/// on free ports, so it shares nothing with the other collections.
/// </summary>
public sealed class ShutdownTests
{
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(3);

    /// <summary>Patience, not the claim (Ctrl+C stops the AppHost in seconds, DCP its children within about 15 s); a process left behind never exits.</summary>
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("Standalone", 1)]
    [InlineData("Cluster", 3)]
    public async Task CtrlCLeavesNoInfrastructureOrServiceProcessBehind(string redisTopology, int redisServers)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(StartBound);
        var cancellationToken = bound.Token;
        var expected = new Dictionary<string, int> { ["redis-server"] = redisServers, ["jongodb"] = 1, ["Harmonia.Api"] = 1, ["Harmonia.Worker"] = 1 };
        // Local mode by name: the process names below are those of local infrastructure.
        using var appHost = AppHostProcess.Start("--Harmonia:Infrastructure:Mode=Local", $"--Harmonia:Infrastructure:RedisTopology={redisTopology}");
        await appHost.WaitForOutputAsync("Distributed application started", cancellationToken);
        var started = await WaitForDescendantsAsync(appHost.Id, expected, cancellationToken);

        appHost.Interrupt();
        bound.CancelAfter(ShutdownBound);
        await appHost.WaitForExitAsync(cancellationToken);

        foreach (var process in started)
        {
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>Waits until the AppHost's orchestrator runs at least the expected number of processes of each name.</summary>
    private static async Task<List<ProcessTree.Entry>> WaitForDescendantsAsync(int appHostId, Dictionary<string, int> expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            var started = ProcessTree.OrchestratedBy(appHostId).Where(process => expected.ContainsKey(process.Name)).ToList();
            if (expected.All(name => started.Count(process => process.Name == name.Key) >= name.Value))
            {
                return started;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
