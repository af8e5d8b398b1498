using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Harmonia.LoadGenerator;

/// <summary>
/// <c>login-flood</c>: <c>POST /auth/login</c> at <c>--rate</c> a second for <c>--duration</c> seconds, open loop,
/// each for an account that does not exist. Unknown accounts cost the server one password hash each (it verifies
/// against a dummy hash so that both failures take as long) and never meet the per-account quota, so every attempt
/// asks for a hash. Counts the answers: 401 (the password was checked), 503 (the hashing bound refused it), other.
/// </summary>
internal static class LoginFlood
{
    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var rate = options.Number("rate");
        var duration = TimeSpan.FromSeconds(options.Number("duration"));
        using var client = Http.Client(options.Api);
        var total = (long)Math.Round(rate * duration.TotalSeconds);
        var ticksPerRequest = Stopwatch.Frequency / rate;
        // By answer: [0] checked (401), [1] refused (503), [2] anything else, failures included.
        var answers = new int[3];
        var sends = new List<Task>();

        var start = Stopwatch.GetTimestamp();
        for (var index = 0L; index < total && !cancellationToken.IsCancellationRequested; index++)
        {
            Precise.WaitUntil(start + (long)(index * ticksPerRequest));
            sends.Add(SendAsync(index));
        }

        await Task.WhenAll(sends);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT offered={total} offered_per_second={total / duration.TotalSeconds:F0} checked_per_second={answers[0] / seconds:F1} refused_per_second={answers[1] / seconds:F1} other={answers[2]}"));
        return 0;

        async Task SendAsync(long index)
        {
            try
            {
                using var response = await client.PostAsJsonAsync(
                    "/auth/login", new { email = $"flood-{index}@bench.invalid", password = "not anybody's password" }, cancellationToken);
                Interlocked.Increment(ref answers[response.StatusCode switch
                {
                    HttpStatusCode.Unauthorized => 0,
                    HttpStatusCode.ServiceUnavailable => 1,
                    _ => 2,
                }]);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref answers[2]);
            }
        }
    }
}
