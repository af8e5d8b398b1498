using System.Collections.Concurrent;
using System.Net;
using Harmonia.Api.RateLimiting;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Cluster;

/// <summary>
/// The user-route policy (100 requests a minute per signed-in user and endpoint, the cluster AppHost's default)
/// stays exact when Redis is a cluster: both replicas run the sliding-window script on the one node that holds the
/// caller's slot, so concurrent requests cannot both take the last unit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterRateLimitTests(ClusterAppHostFixture cluster)
{
    private const string Policy = "user-route";
    private const int Quota = 100;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneHundredFiftyConcurrentRequestsOverBothReplicasAdmitExactlyOneHundred()
    {
        using var replicaA = cluster.CreateApiReplicaClient(0);
        using var replicaB = cluster.CreateApiReplicaClient(1);
        HttpClient[] replicas = [replicaA, replicaB];
        var user = await RegisterAndLoginAsync(replicaA);
        var statuses = new ConcurrentBag<HttpStatusCode>();

        await Parallel.ForEachAsync(
            Enumerable.Range(0, 150),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken },
            async (request, _) => statuses.Add(await GetStatusAsync(replicas[request % replicas.Length], "/users/me", user.Tokens.AccessToken)));

        Assert.Equal(Quota, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(50, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        // One count, in the cluster: a replica that had decided alone (Redis unreachable) would have added none.
        Assert.Equal(Quota, (long)await cluster.Redis.GetDatabase().StringGetAsync(RateLimitKeys.TallyOf($"rate:{{u:{user.Id}}}:{Policy}:GET:/users/me")));
    }
}
