using System.Diagnostics;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Runs the AppHost as its own process, the way a developer's <c>dotnet run</c> does, for what the in-process
/// testing builder cannot show: manifest publishing and what Ctrl+C leaves behind.
/// </summary>
internal sealed class AppHostProcess : IDisposable
{
    private readonly Process _process;

    private AppHostProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static AppHostProcess Start(params string[] arguments)
    {
        // Through env(1), to give the AppHost the default SIGINT handling a terminal's foreground job has: a test run
        // started in the background (`.ci/run &`, nohup) inherits SIGINT ignored, and .NET keeps an inherited
        // ignore, so the Ctrl+C below would never arrive.
        var startInfo = new ProcessStartInfo("env", ["--default-signal=INT", Path.Combine(AppContext.BaseDirectory, "Harmonia.AppHost"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Free ports, so this run never collides with a developer's AppHost or the shared test fixture.
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://localhost:{LoopbackPort.Free()}";
        startInfo.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{LoopbackPort.Free()}";
        startInfo.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{LoopbackPort.Free()}";
        startInfo.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        startInfo.Environment["DcpPublisher__RandomizePorts"] = "true";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";

        return new AppHostProcess(Process.Start(startInfo)!);
    }

    /// <summary>Reads standard output until a line contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, CancellationToken cancellationToken)
    {
        while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new InvalidOperationException($"The AppHost exited before printing '{text}': {await _process.StandardError.ReadToEndAsync(cancellationToken)}");
    }

    public async Task<(int ExitCode, string Output)> WaitForExitAsync(CancellationToken cancellationToken)
    {
        var output = _process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = _process.StandardError.ReadToEndAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
        return (_process.ExitCode, await output + await error);
    }

    /// <summary>Sends SIGINT, what Ctrl+C in a terminal delivers.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
