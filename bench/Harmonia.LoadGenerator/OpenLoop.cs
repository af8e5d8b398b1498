using System.Diagnostics;
using System.Globalization;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Sends requests at a fixed rate whatever the responses do (open loop), and measures each latency from the
/// moment the request was due, not from when it was sent: a server that stalls makes every request scheduled
/// during the stall late, as it would for real clients, instead of quietly slowing the sender down
/// (coordinated omission). How late the sender itself was, and the p99 measured from the actual send, are reported
/// beside it, so a reader can tell the server's tail from the sender's, and so is how busy the machine was over the
/// measured requests and what the generator took of it (<see cref="CpuUse"/>).
/// </summary>
internal static class OpenLoop
{
    public static async Task<LatencyReport> RunAsync(
        HttpClient client, Func<long, HttpRequestMessage> requestFor, double rate, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (long)Math.Round(rate * (warmup + duration).TotalSeconds);
        var firstMeasured = (long)Math.Round(rate * warmup.TotalSeconds);
        var latencies = new double[total - firstMeasured];
        var fromSend = new double[total - firstMeasured];
        var lateness = new double[total - firstMeasured];
        var sends = new Task[total];
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var measuredFrom = default(CpuUse);

        // A thread of its own, so the schedule never waits for a thread-pool thread busy with responses.
        await Task.Factory.StartNew(
            () =>
            {
                var start = Stopwatch.GetTimestamp();
                for (var index = 0L; index < total && !cancellationToken.IsCancellationRequested; index++)
                {
                    var due = start + (long)(index * ticksPerRequest);
                    Precise.WaitUntil(due);
                    if (index == firstMeasured)
                    {
                        measuredFrom = CpuUse.Now();
                    }

                    if (index >= firstMeasured)
                    {
                        lateness[index - firstMeasured] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                    }

                    sends[index] = SendAsync(index, due);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await Task.WhenAll(sends.Where(send => send is not null));
        var measuredTo = CpuUse.Now();
        return LatencyReport.From(latencies, fromSend, lateness, duration) with
        {
            MachineBusy = measuredTo.BusyShareSince(measuredFrom),
            GeneratorCpuMicroseconds = measuredTo.GeneratorMicrosecondsPerRequest(measuredFrom, latencies.Length),
        };

        async Task SendAsync(long index, long due)
        {
            var sent = Stopwatch.GetTimestamp();
            var succeeded = false;
            try
            {
                using var request = requestFor(index);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                succeeded = response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The client's timeout: a request the server never answered counts as failed, like one it refused.
            }

            if (index >= firstMeasured)
            {
                latencies[index - firstMeasured] = succeeded ? Stopwatch.GetElapsedTime(due).TotalMilliseconds : double.NaN;
                fromSend[index - firstMeasured] = succeeded ? Stopwatch.GetElapsedTime(sent).TotalMilliseconds : double.NaN;
            }
        }
    }
}

/// <summary>Latency percentiles of the measured requests, failures (errors and non-2xx answers) counted apart.</summary>
internal sealed record LatencyReport(int Requests, int Failed, double Rate, double P50, double P90, double P99, double P999, double Max, double FromSendP99, double LateP99)
{
    /// <summary>The share of all cores' time that was busy from the first measured request to the last response.</summary>
    public double MachineBusy { get; init; } = double.NaN;

    /// <summary>The generator's own CPU microseconds per measured request over the same window.</summary>
    public double GeneratorCpuMicroseconds { get; init; } = double.NaN;

    public static LatencyReport From(double[] latencies, double[] fromSend, double[] lateness, TimeSpan duration)
    {
        var succeeded = latencies.Where(latency => !double.IsNaN(latency)).Order().ToArray();
        var sent = fromSend.Where(latency => !double.IsNaN(latency)).Order().ToArray();
        var late = lateness.Order().ToArray();
        return new LatencyReport(
            latencies.Length,
            latencies.Length - succeeded.Length,
            latencies.Length / duration.TotalSeconds,
            Percentile(succeeded, 0.50),
            Percentile(succeeded, 0.90),
            Percentile(succeeded, 0.99),
            Percentile(succeeded, 0.999),
            succeeded.Length == 0 ? double.NaN : succeeded[^1],
            Percentile(sent, 0.99),
            Percentile(late, 0.99));
    }

    /// <summary>The nearest-rank percentile: the smallest value at least this share of values does not exceed.</summary>
    public static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Length) - 1)];

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"requests={Requests} failed={Failed} rate={Rate:F0} p50_ms={P50:F3} p90_ms={P90:F3} p99_ms={P99:F3} p999_ms={P999:F3} max_ms={Max:F3} from_send_p99_ms={FromSendP99:F3} sender_late_p99_ms={LateP99:F3} machine_busy={MachineBusy:F2} generator_cpu_us={GeneratorCpuMicroseconds:F1}");
}
