using System.Diagnostics;
using System.Globalization;

namespace Harmonia.LoadGenerator;

/// <summary>
/// The CPU time spent so far: by the whole machine (all cores, busy and in total, from the first line of
/// <c>/proc/stat</c>, in clock ticks) and by this process. Two readings around a measured window say how close the
/// machine was to saturation and what the generator itself took of it, since it shares the cores with the server.
/// </summary>
internal readonly record struct CpuUse(long MachineBusy, long MachineTotal, TimeSpan Generator)
{
    public static CpuUse Now()
    {
        // cpu  user nice system idle iowait irq softirq steal (guest time is already counted in user and nice).
        var ticks = File.ReadLines("/proc/stat").First()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Take(8)
            .Select(field => long.Parse(field, CultureInfo.InvariantCulture))
            .ToArray();
        var total = ticks.Sum();
        var idle = ticks[3] + ticks[4];
        using var process = Process.GetCurrentProcess();
        return new CpuUse(total - idle, total, process.TotalProcessorTime);
    }

    /// <summary>The share of the machine's CPU time that was busy between <paramref name="start"/> and this reading.</summary>
    public double BusyShareSince(CpuUse start) =>
        MachineTotal == start.MachineTotal ? double.NaN : (double)(MachineBusy - start.MachineBusy) / (MachineTotal - start.MachineTotal);

    /// <summary>The generator's CPU microseconds per request between <paramref name="start"/> and this reading.</summary>
    public double GeneratorMicrosecondsPerRequest(CpuUse start, int requests) =>
        requests == 0 ? double.NaN : (Generator - start.Generator).TotalMicroseconds / requests;
}
