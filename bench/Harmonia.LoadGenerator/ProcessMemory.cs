using System.Globalization;

namespace Harmonia.LoadGenerator;

/// <summary>A process's resident memory from <c>/proc/{pid}/status</c>: now (VmRSS) and its peak (VmHWM), in MiB.</summary>
internal static class ProcessMemory
{
    public static double ResidentMiB(int pid) => Read(pid, "VmRSS:");

    public static double PeakMiB(int pid) => Read(pid, "VmHWM:");

    private static double Read(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(line => line.StartsWith(field, StringComparison.Ordinal));
        var kibibytes = long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kibibytes / 1024.0;
    }
}
