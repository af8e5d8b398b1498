using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Harmonia.Api.RateLimiting;

/// <summary>
/// <c>harmonia.ratelimit.decisions</c>: every decision, by policy, outcome and scope: Redis (<c>distributed</c>),
/// a lease from Redis (<c>leased</c>) or this replica alone (<c>local</c>), so the dashboard shows who is being
/// limited, how many decisions skip the round trip, and when limits went per-replica.
/// <c>harmonia.ratelimit.local.partitions</c>: what the fallback window holds in memory, non-zero only while
/// Redis is away and for a window after.
/// </summary>
public sealed class RateLimitMetrics
{
    public const string MeterName = "Harmonia.RateLimiting";
    public const string DecisionsName = "harmonia.ratelimit.decisions";
    public const string PolicyTag = "harmonia.ratelimit.policy";
    public const string OutcomeTag = "harmonia.ratelimit.outcome";
    public const string ScopeTag = "harmonia.ratelimit.scope";
    public const string LocalPartitionsName = "harmonia.ratelimit.local.partitions";

    private readonly Counter<long> _decisions;

    public RateLimitMetrics(IMeterFactory meterFactory, LocalSlidingWindow local)
    {
        var meter = meterFactory.Create(MeterName);
        _decisions = meter.CreateCounter<long>(DecisionsName, unit: "{decision}", description: "Rate-limit decisions by policy, outcome (admitted, rejected) and scope (distributed, leased, local).");
        meter.CreateObservableUpDownCounter(LocalPartitionsName, () => local.Count, unit: "{partition}", description: "Callers this replica's fallback window holds a count for.");
    }

    public void Record(in RateLimitDecision decision) => _decisions.Add(1, new TagList
    {
        { PolicyTag, decision.Policy.Name },
        { OutcomeTag, decision.Admitted ? "admitted" : "rejected" },
        { ScopeTag, decision.Leased ? "leased" : decision.Distributed ? "distributed" : "local" },
    });
}
