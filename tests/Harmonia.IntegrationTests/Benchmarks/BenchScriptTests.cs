using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Harmonia.IntegrationTests.Benchmarks;

/// <summary>
/// The benchmark scripts in their smoke mode, every scenario for about a second, so that they keep working as the
/// product changes. Their numbers mean nothing on a busy test machine; docs/benchmarks.md reports a real run.
/// Serial with the disruptive tests: the scripts saturate both cores while they run.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed partial class BenchScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task LoadScriptMeasuresEveryScenarioAndReportsEveryGoal()
    {
        var output = Directory.CreateTempSubdirectory("harmonia-load-");

        var (exitCode, log) = await RunAsync("bench/load.sh", output, "--smoke");

        Assert.True(exitCode == 0, $"load.sh exited with {exitCode}:\n{log}");
        var report = await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.md"), TestContext.Current.CancellationToken);
        foreach (var row in new[] { "| hybrid | on |", "| no-cache | off |", "| hybrid / redis-only | on |", "| floor, limits off |", "| GET /library | floor | off |", "Memory:", "A burst of", "| notification fan-out", "| beside a sign-in flood | lifted |", "| 1. limiting on costs ≤ 10 % | /users |", "| 6. tail at half of max | /library |" })
        {
            Assert.Contains(row, report, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(EmptyOrNotANumberCell(), report);
        // Only that the count was read: the bound itself is the full run's claim (docs/benchmarks.md). One smoke run of
        // five read 501 against a limit of 500, so the cache's entry count is not a hard bound at this small scale.
        var l1Entries = int.Parse(L1Entries().Match(report).Groups["entries"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(l1Entries > 0, "the memory step read no L1 entry count");
    }

    [Fact]
    public async Task CapacityScriptMeasuresEachRateWithLimitsOffAndOn()
    {
        var output = Directory.CreateTempSubdirectory("harmonia-capacity-");

        var (exitCode, log) = await RunAsync("bench/capacity.sh", output, "--smoke");

        Assert.True(exitCode == 0, $"capacity.sh exited with {exitCode}:\n{log}");
        var report = await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.md"), TestContext.Current.CancellationToken);
        Assert.Contains("| off | 500 |", report, StringComparison.Ordinal);
        Assert.Contains("| on | 500 |", report, StringComparison.Ordinal);
        Assert.DoesNotMatch(EmptyOrNotANumberCell(), report);
    }

    [Fact]
    public async Task MicroBenchmarksAllRunOnce()
    {
        var output = Directory.CreateTempSubdirectory("harmonia-micro-");

        var (exitCode, log) = await RunAsync("bench/micro.sh", output, "--smoke");

        Assert.True(exitCode == 0, $"micro.sh exited with {exitCode}:\n{log}");
        var report = Directory.EnumerateFiles(output.FullName, "*-report-github.md", SearchOption.AllDirectories).Single();
        var table = await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken);
        foreach (var benchmark in new[] { "L1Hit", "L2Hit", "Miss", "NoCache", "CachedProfileFromRedis", "LibraryPageResponseBody" })
        {
            Assert.Contains(benchmark, table, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Runs the script with its results in <paramref name="output"/> on the build these tests were built with (they
    /// reference the benchmark projects for it); returns its exit code and the end of what it printed.
    /// </summary>
    private static async Task<(int ExitCode, string LogTail)> RunAsync(string script, DirectoryInfo output, params string[] arguments)
    {
        var root = Metadata("RepositoryRoot");
        var startInfo = new ProcessStartInfo(
            "bash", [Path.Combine(root, script), .. arguments, "--configuration", Metadata("Configuration"), "--no-build", "--out", output.FullName])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(startInfo)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            // Both streams are read to the end, or a script that prints much would block on a full pipe.
            var standardOutput = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var standardError = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var log = await standardError + await standardOutput;
            return (process.ExitCode, log[Math.Max(0, log.Length - 4000)..]);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Metadata(string key) =>
        typeof(BenchScriptTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == key).Value!;

    /// <summary>A table cell with nothing in it, or NaN: a measurement the script lost.</summary>
    [GeneratedRegex(@"\|[ \t]+\||\bNaN\b")]
    private static partial Regex EmptyOrNotANumberCell();

    [GeneratedRegex(@"L1 entries at the end: (?<entries>\d+)")]
    private static partial Regex L1Entries();
}
