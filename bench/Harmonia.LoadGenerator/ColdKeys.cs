using System.Diagnostics;
using System.Globalization;
using System.Net;
using MongoDB.Bson;

namespace Harmonia.LoadGenerator;

/// <summary>
/// <c>cold-keys</c>: <c>--count</c> GETs of <c>/users/{id}</c>, each for a new ObjectId no user has, so every
/// one is a cache miss that caches a negative result under a new key. The API's resident memory is sampled every
/// second into <c>--samples</c> (CSV): with L1 bounded by entry count it must level off, not grow with the keys.
/// </summary>
internal static class ColdKeys
{
    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var users = await TokenFile.ReadAsync(options.Text("tokens"));
        var count = options.Integer("count");
        var pid = options.Integer("pid");
        using var client = Http.Client(options.Api);
        var issued = 0L;
        var completed = 0L;
        var failed = 0L;
        var started = Stopwatch.GetTimestamp();

        var samples = new List<(double Seconds, long Completed, double ResidentMiB)>();
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                do
                {
                    samples.Add((Stopwatch.GetElapsedTime(started).TotalSeconds, Interlocked.Read(ref completed), ProcessMemory.ResidentMiB(pid)));
                }
                while (await timer.WaitForNextTickAsync(sampling.Token));
            }
            catch (OperationCanceledException) when (sampling.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);

        await Parallel.ForAsync(0, options.Integer("concurrency", 32), cancellationToken, async (worker, token) =>
        {
            while (Interlocked.Increment(ref issued) <= count)
            {
                using var request = Http.Get($"/users/{ObjectId.GenerateNewId()}", users.Tokens[worker % users.Count]);
                try
                {
                    using var response = await client.SendAsync(request, token);
                    if (response.StatusCode != HttpStatusCode.NotFound)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }

                Interlocked.Increment(ref completed);
            }
        });

        var elapsed = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        await sampler;
        samples.Add((elapsed.TotalSeconds, completed, ProcessMemory.ResidentMiB(pid)));
        await File.WriteAllLinesAsync(
            options.Text("samples"),
            ["seconds,requests,rss_mib", .. samples.Select(sample => string.Create(CultureInfo.InvariantCulture, $"{sample.Seconds:F0},{sample.Completed},{sample.ResidentMiB:F1}"))],
            CancellationToken.None);

        // Memory after each tenth of the keys: a bounded cache shows the same figure from some tenth on.
        var byTenth = Enumerable.Range(1, 10)
            .Select(tenth => samples.FirstOrDefault(sample => sample.Completed >= count * tenth / 10L, samples[^1]).ResidentMiB)
            .Select(mib => mib.ToString("F0", CultureInfo.InvariantCulture));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT requests={completed} failed={failed} seconds={elapsed.TotalSeconds:F0} rate={completed / elapsed.TotalSeconds:F0} rss_by_tenth_mib={string.Join('/', byTenth)} rss_max_mib={samples.Max(sample => sample.ResidentMiB):F0} peak_mib={ProcessMemory.PeakMiB(pid):F0}"));
        return failed == 0 ? 0 : 1;
    }
}
