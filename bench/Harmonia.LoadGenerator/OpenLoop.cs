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
/// The generator shares the cores with the server it measures, so it costs as little per request as it can: requests
/// encoded before the run, written by one thread on the schedule to <see cref="Connections"/> pipelined
/// connections in turn (wrk's 64), answers read by one small loop per connection. With HttpClient and a task per
/// request it took more CPU per request than the API (docs/benchmarks.md).
/// </summary>
internal sealed class OpenLoop
{
    public const int Connections = Http.MaximumConnections;

    /// <summary>How long answers may take after the last request was sent; those still missing then count as failed.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly long _total;
    private readonly long _firstMeasured;
    private readonly double _ticksPerRequest;
    private readonly double[] _latencies;
    private readonly double[] _fromSend;
    private readonly double[] _lateness;
    private readonly long[] _sentAt;
    private long _start;

    private OpenLoop(double rate, TimeSpan warmup, TimeSpan duration)
    {
        _total = (long)Math.Round(rate * (warmup + duration).TotalSeconds);
        _firstMeasured = (long)Math.Round(rate * warmup.TotalSeconds);
        _ticksPerRequest = Stopwatch.Frequency / rate;
        var measured = _total - _firstMeasured;
        _latencies = new double[measured];
        _fromSend = new double[measured];
        _lateness = new double[measured];
        _sentAt = new long[measured];
        Array.Fill(_latencies, double.NaN);
        Array.Fill(_fromSend, double.NaN);
    }

    /// <summary>Sends <paramref name="requests"/> in turn, starting over at the end, for the warmup and the duration.</summary>
    public static async Task<LatencyReport> RunAsync(
        Uri api, IReadOnlyList<byte[]> requests, double rate, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var run = new OpenLoop(rate, warmup, duration);
        var connections = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => PipelinedConnection.OpenAsync(api, cancellationToken)));
        try
        {
            var receiving = connections
                .Select((connection, first) => connection.ReceiveAsync(first, Connections, run._total, run.Answered, cancellationToken))
                .ToArray();

            // A thread of its own, so the schedule never waits for a thread-pool thread busy with answers.
            var measuredFrom = await Task.Factory.StartNew(
                () => run.Send(connections, requests, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                await Task.WhenAll(receiving).WaitAsync(AnswerTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The answers still missing count as failed. Closing the connections ends their receivers, so none
                // records an answer while the report is made.
                foreach (var connection in connections)
                {
                    connection.Dispose();
                }

                await Task.WhenAll(receiving);
            }

            var measuredTo = CpuUse.Now();
            return LatencyReport.From(run._latencies, run._fromSend, run._lateness, duration) with
            {
                MachineBusy = measuredTo.BusyShareSince(measuredFrom),
                GeneratorCpuMicroseconds = measuredTo.GeneratorMicrosecondsPerRequest(measuredFrom, run._latencies.Length),
            };
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Writes each request when it is due; returns the CPU use at the first measured one.</summary>
    private CpuUse Send(PipelinedConnection[] connections, IReadOnlyList<byte[]> requests, CancellationToken cancellationToken)
    {
        var measuredFrom = CpuUse.Now();
        _start = Stopwatch.GetTimestamp();
        for (var index = 0L; index < _total && !cancellationToken.IsCancellationRequested; index++)
        {
            var due = Due(index);
            Precise.WaitUntil(due);
            var sent = Stopwatch.GetTimestamp();
            if (index == _firstMeasured)
            {
                measuredFrom = CpuUse.Now();
            }

            if (index >= _firstMeasured)
            {
                Volatile.Write(ref _sentAt[index - _firstMeasured], sent);
                _lateness[index - _firstMeasured] = Stopwatch.GetElapsedTime(due, sent).TotalMilliseconds;
            }

            connections[index % Connections].Send(requests[(int)(index % requests.Count)]);
        }

        return measuredFrom;
    }

    private long Due(long index) => _start + (long)(index * _ticksPerRequest);

    private void Answered(long index, bool succeeded)
    {
        if (index < _firstMeasured || !succeeded)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var measured = index - _firstMeasured;
        _latencies[measured] = Stopwatch.GetElapsedTime(Due(index), now).TotalMilliseconds;
        _fromSend[measured] = Stopwatch.GetElapsedTime(Volatile.Read(ref _sentAt[measured]), now).TotalMilliseconds;
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
