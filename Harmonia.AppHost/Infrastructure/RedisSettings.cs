namespace Harmonia.AppHost.Infrastructure;

/// <summary>
/// Harmonia's Redis configuration, the same in every mode (Local, Containers, Azure): bounded memory, no
/// snapshots or append-only file, and a slow log for diagnosis. Under memory pressure Redis evicts only keys
/// with a time to live (<c>volatile-lru</c>): every cache entry, rate-limit count, lease, lock and job status
/// has one, and the job queue (stream, consumer group, retry schedule) has none, so cache entries go and the
/// queue stays (docs/resilience.md). Passed as command-line arguments, so the dashboard shows them in each
/// Redis resource's details.
/// </summary>
internal static class RedisSettings
{
    private static readonly (string Name, string Value)[] Settings =
    [
        ("maxmemory", "512mb"),
        ("maxmemory-policy", "volatile-lru"),
        ("save", ""),
        ("appendonly", "no"),
        ("slowlog-log-slower-than", "10000"),
        ("slowlog-max-len", "128"),
    ];

    public static IEnumerable<string> Arguments => Settings.SelectMany(setting => new[] { $"--{setting.Name}", setting.Value });

    /// <summary>
    /// Applies the settings to Aspire's Redis container. When publishing, Aspire starts that container with a
    /// single <c>/bin/sh -c "redis-server …"</c> command line, so the settings join that line.
    /// </summary>
    public static IResourceBuilder<RedisResource> WithHarmoniaSettings(this IResourceBuilder<RedisResource> redis) =>
        redis.WithArgs(context =>
        {
            if (context.ExecutionContext.IsPublishMode)
            {
                var commandLine = context.Args.Count - 1;
                context.Args[commandLine] = $"{context.Args[commandLine]} {string.Join(' ', Settings.Select(s => $"--{s.Name} {(s.Value.Length == 0 ? "''" : s.Value)}"))}";
            }
            else
            {
                foreach (var argument in Arguments)
                {
                    context.Args.Add(argument);
                }
            }
        });
}
