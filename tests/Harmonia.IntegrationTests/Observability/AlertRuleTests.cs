using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.RegularExpressions;
using Harmonia.Api.RateLimiting;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Observability;

/// <summary>
/// The alert rules of infra/alerts.bicep query metrics by name; a renamed instrument would leave a rule that never
/// fires. These tests take the names from the services' own meters, as published when an API and a worker start in
/// this process and serve a request, and check every name a rule queries is among them.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed partial class AlertRuleTests(AppHostFixture fixture)
{
    private static readonly TimeSpan InstrumentsPublished = TimeSpan.FromSeconds(20);

    private static string AlertRules => File.ReadAllText(Path.Combine(
        typeof(AlertRuleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "infra",
        "alerts.bicep"));

    [Fact]
    public async Task EveryMetricTheAlertRulesQueryIsOneTheServicesEmit()
    {
        var emitted = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) => emitted.TryAdd(instrument.Name, true),
        };
        listener.Start();
        await using var api = await InProcessApi.StartAsync(fixture);
        await using var worker = await InProcessWorker.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Jobs:Queue"] = "alert-rules" });
        using var client = api.CreateClient();
        await RegisterAndLoginAsync(client);

        var queried = QueriedMetric().Matches(AlertRules).Select(match => match.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("harmonia.jobs.failed", queried);
        await Eventually.HoldsAsync(
            () => Task.FromResult(queried.All(emitted.ContainsKey)),
            InstrumentsPublished,
            $"the services emit every metric the rules query (not yet published when the wait began: {string.Join(", ", queried.Where(name => !emitted.ContainsKey(name)))})");
    }

    [Fact]
    public void LocalFallbackRuleFiltersOnTheScopeTagTheRateLimiterRecords() =>
        Assert.Contains($"Properties[\"{RateLimitMetrics.ScopeTag}\"]) == \"local\"", AlertRules, StringComparison.Ordinal);

    /// <summary>A quoted harmonia.* name in a rule's query that is not a tag read from <c>Properties</c>.</summary>
    [GeneratedRegex("""(?<!Properties\[)"(?<name>harmonia\.[a-z0-9_.]+)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex QueriedMetric();
}
