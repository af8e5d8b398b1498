using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Harmonia.Api.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// Busy callers are admitted from units each instance leases from the shared count in Redis. Two in-process
/// instances with a short window and a key prefix of their own play two replicas. They run with the serial tests,
/// because a flood of requests on two shared cores would slow every other test's Redis calls past their timeout.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class LeasedQuotaTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnderConcurrentLoadOnTwoInstancesNoWindowAdmitsMoreThanTheQuota()
    {
        // Ten per lease duration: enough for leases (LeasedWindow.MinimumDemand), few enough to run out all the time.
        const int quota = 40;
        var window = TimeSpan.FromSeconds(1);
        var settings = IsolatedQuotas.Settings(("SignedIn:Limit", $"{quota}"), ("SignedIn:Window", "00:00:01"), ("LeaseDuration", "00:00:00.250"));
        await using var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        using var decisions = new MetricCollector<long>(instanceA.Services.GetRequiredService<IMeterFactory>(), RateLimitMetrics.MeterName, RateLimitMetrics.DecisionsName);
        HttpClient[] instances = [instanceA.CreateClient(), instanceB.CreateClient()];
        var user = await RegisterAndLoginAsync(instances[0]);
        var admitted = new ConcurrentBag<(long Sent, long Answered)>();

        // Eight callers, four per instance, each at up to 200 requests a second, for three windows: far more than
        // the quota and than a lease needs, so leases are taken, run out and are settled all the time.
        var end = Stopwatch.GetTimestamp() + 3 * (long)(window.TotalSeconds * Stopwatch.Frequency);
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken }, async (caller, _) =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var sent = Stopwatch.GetTimestamp();
                if (await GetStatusAsync(instances[caller % 2], "/users/me", user.Tokens.AccessToken) == HttpStatusCode.OK)
                {
                    admitted.Add((sent, Stopwatch.GetTimestamp()));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(5), CancellationToken);
            }
        });

        // A request was admitted somewhere between its sending and its answer; those that fall wholly within one
        // window's length of each other were certainly admitted within one window.
        var requests = admitted.OrderBy(request => request.Sent).ToArray();
        var windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
        var busiestWindow = requests.Max(first => requests.Count(other => other.Sent >= first.Sent && other.Answered < first.Sent + windowTicks));
        Assert.InRange(busiestWindow, 1, quota);
        Assert.True(requests.Length >= quota, $"{requests.Length} admitted in three windows: the quota was never used up.");
        Assert.Contains(decisions.GetMeasurementSnapshot(), decision => decision.Tags[RateLimitMetrics.ScopeTag] is "leased");
    }

    [Fact]
    public async Task ASteadyCallerIsAdmittedFromLeasesRenewedAheadOfNeedAndNeverWaitsForRedisAgain()
    {
        var settings = IsolatedQuotas.Settings(("SignedIn:Limit", "100000"), ("SignedIn:Window", "00:00:10"));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var decisions = new MetricCollector<long>(instance.Services.GetRequiredService<IMeterFactory>(), RateLimitMetrics.MeterName, RateLimitMetrics.DecisionsName);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        // Requests one after another for two seconds. A lease holds as many units as the caller sent within the last
        // lease duration (1 s), so while the caller gets going its leases are spent within milliseconds, many times over.
        var admitted = 0;
        var end = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < end)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
            admitted++;
        }

        // The first requests are decided in Redis one by one until the caller is busy enough for a lease; from then
        // on each lease is renewed while the last one still admits, so no request of this caller asks Redis itself.
        var scopes = decisions.GetMeasurementSnapshot()
            .Where(decision => decision.Tags[RateLimitMetrics.PolicyTag] is RateLimitPolicies.SignedInName)
            .GroupBy(decision => (string)decision.Tags[RateLimitMetrics.ScopeTag]!)
            .ToDictionary(scope => scope.Key, scope => scope.Sum(decision => decision.Value));
        Assert.Equal(LeasedWindow.MinimumDemand, scopes.GetValueOrDefault("distributed"));
        Assert.Equal(admitted - LeasedWindow.MinimumDemand, scopes.GetValueOrDefault("leased"));
        Assert.True(admitted > 4 * LeasedWindow.MinimumDemand, $"{admitted} requests in two seconds: too few to spend several leases.");
    }

    [Fact]
    public async Task UnderTheShippedQuotaABusyCallerIsDecidedInRedisRequestByRequest()
    {
        var shipped = new RateLimitingOptions().SignedIn;
        var settings = IsolatedQuotas.Settings(("SignedIn:Limit", $"{shipped.Limit}"), ("SignedIn:Window", shipped.Window.ToString("c", CultureInfo.InvariantCulture)));
        await using var instance = await InProcessApi.StartAsync(fixture, settings);
        using var decisions = new MetricCollector<long>(instance.Services.GetRequiredService<IMeterFactory>(), RateLimitMetrics.MeterName, RateLimitMetrics.DecisionsName);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        // Busy enough for a lease under a large quota (LeasedWindow.MinimumDemand within a second), but 100 a minute
        // cannot sustain that: a lease would only hold units the caller's requests elsewhere are refused for.
        for (var request = 0; request < 3 * LeasedWindow.MinimumDemand; request++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
        }

        var scopes = decisions.GetMeasurementSnapshot()
            .Where(decision => decision.Tags[RateLimitMetrics.PolicyTag] is RateLimitPolicies.SignedInName)
            .Select(decision => (string)decision.Tags[RateLimitMetrics.ScopeTag]!)
            .ToList();
        Assert.Equal(3 * LeasedWindow.MinimumDemand, scopes.Count);
        Assert.All(scopes, scope => Assert.Equal("distributed", scope));
    }

    [Fact]
    public async Task UnitsLeasedByAnInstanceThatDiesComeBackByTheEndOfTheWindowAfterTheLease()
    {
        const int quota = 20;
        var window = TimeSpan.FromSeconds(2);
        var leaseDuration = TimeSpan.FromSeconds(2);
        var settings = IsolatedQuotas.Settings(("SignedIn:Limit", $"{quota}"), ("SignedIn:Window", "00:00:02"), ("LeaseDuration", "00:00:02"));
        var instanceA = await InProcessApi.StartAsync(fixture, settings);
        await using var instanceB = await InProcessApi.StartAsync(fixture, settings);
        using var clientB = instanceB.CreateClient();
        var user = await RegisterAndLoginAsync(clientB);

        // Enough requests for A to lease units it will never use: the last one takes a lease.
        long leaseTaken;
        await using (instanceA)
        {
            using var clientA = instanceA.CreateClient();
            for (var request = 0; request < LeasedWindow.MinimumDemand; request++)
            {
                Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(clientA, "/users/me", user.Tokens.AccessToken));
            }

            leaseTaken = Stopwatch.GetTimestamp();
        }

        // A stopped without returning anything, as a crashed replica would; its leased units stay taken.
        var admittedRightAfter = await AdmitUntilRefusedAsync(clientB, user);
        var probeEnded = Stopwatch.GetTimestamp();
        Assert.InRange(admittedRightAfter, 0, quota - LeasedWindow.MinimumDemand - 1);

        // Everything A admitted or leased counts from the lease's deadline at the latest, so one window after it the whole quota is free again.
        var allFree = Math.Max(leaseTaken + (long)(leaseDuration.TotalSeconds * Stopwatch.Frequency), probeEnded) + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var untilFree = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), allFree);
        await Task.Delay(TimeSpan.FromTicks(Math.Max(untilFree.Ticks, 0)) + TimeSpan.FromMilliseconds(250), CancellationToken);
        Assert.Equal(quota, await AdmitUntilRefusedAsync(clientB, user));
    }

    private static async Task<int> AdmitUntilRefusedAsync(HttpClient api, SignedInUser user)
    {
        var admitted = 0;
        while (await GetStatusAsync(api, "/users/me", user.Tokens.AccessToken) == HttpStatusCode.OK)
        {
            admitted++;
        }

        return admitted;
    }
}
