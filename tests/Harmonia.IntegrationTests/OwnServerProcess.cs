using System.Diagnostics;
using System.Globalization;

namespace Harmonia.IntegrationTests;

/// <summary>
/// A server process of a test's own (<see cref="OwnRedis"/>, <see cref="OwnMongo"/>), killed when the test ends. It can
/// be frozen (SIGSTOP): a server that keeps its connections open and answers nothing, as a hung process or a network
/// dropping packets does.
/// </summary>
internal sealed class OwnServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private OwnServerProcess(Process process) => _process = process;

    /// <summary>Starts <paramref name="command"/> and returns once it has written a line that <paramref name="ready"/> accepts.</summary>
    public static async Task<OwnServerProcess> StartAsync(string command, IEnumerable<string> arguments, Func<string, bool> ready)
    {
        var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(StartBound);
        while (await process.StandardOutput.ReadLineAsync(bound.Token) is { } line && !ready(line))
        {
        }

        return new OwnServerProcess(process);
    }

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

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
