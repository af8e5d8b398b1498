using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Waits until a Stopwatch timestamp with nanosleep, which wakes within the kernel's timer slack (~50 µs), where
/// Thread.Sleep rounds up to whole milliseconds. A fixed-rate sender late by a millisecond would add that
/// millisecond to every latency it measures from the schedule; spinning instead would take a core from the server.
/// </summary>
internal static partial class Precise
{
    public static unsafe void WaitUntil(long timestamp)
    {
        while (true)
        {
            var remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var nanoseconds = (long)(remaining * (1e9 / Stopwatch.Frequency));
            var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            _ = NanoSleep(&request, null);
        }
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static unsafe partial int NanoSleep(Timespec* request, Timespec* remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
