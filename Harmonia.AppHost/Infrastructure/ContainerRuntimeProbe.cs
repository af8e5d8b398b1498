using System.Diagnostics;

namespace Harmonia.AppHost.Infrastructure;

/// <summary>Asks the container runtime Aspire would use whether its engine answers.</summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <param name="runtime">The CLI Aspire uses: <c>docker</c> unless <c>ASPIRE_CONTAINER_RUNTIME</c> says <c>podman</c>.</param>
    public static bool IsHealthy(string runtime)
    {
        var startInfo = new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The CLI itself is not installed.
            return false;
        }
    }
}
