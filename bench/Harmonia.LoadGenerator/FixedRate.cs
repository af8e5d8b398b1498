namespace Harmonia.LoadGenerator;

/// <summary>
/// <c>rate</c>: authenticated GETs of <c>--path</c> at <c>--rate</c> requests a second, each as the next seeded
/// user, with <c>{id}</c> in the path standing for another seeded user's id.
/// </summary>
internal static class FixedRate
{
    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var users = await TokenFile.ReadAsync(options.Text("tokens"));
        var path = options.Text("path");
        var requests = Enumerable.Range(0, users.Count)
            .Select(user => RequestBytes.Get(options.Api, path.Replace("{id}", users.UserIds[(user + 1) % users.Count], StringComparison.Ordinal), users.Tokens[user]))
            .ToArray();

        var report = await OpenLoop.RunAsync(
            options.Api,
            requests,
            options.Number("rate"),
            TimeSpan.FromSeconds(options.Number("warmup", 2)),
            TimeSpan.FromSeconds(options.Number("duration")),
            cancellationToken);

        Console.WriteLine($"RESULT {report.Format()}");
        return report.Failed == 0 ? 0 : 1;
    }
}
