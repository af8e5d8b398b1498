namespace Harmonia.IntegrationTests.RateLimiting;

/// <summary>
/// Settings for in-process API instances that test the address-keyed policies for real. The AppHost's replicas
/// run those policies with room for the whole suite (every test calls from 127.0.0.1), so a test that needs a
/// small quota gets instances of its own: small quotas, and a key prefix no other instance uses, so its counts
/// start empty and nobody else's requests land in them. Instances started with the same settings share counts
/// through Redis exactly as replicas do. Their decisions, and their Redis client's commands, wait for Redis as long
/// as the AppHost's replicas' do (<see cref="TestAppHost.DecisionTimeout"/>): on a busy machine a decision slower than
/// the shipped timeout falls back to the local limit, where each instance admits the whole quota, and a test counting
/// admissions would see the outage behaviour instead of the one it asks about. The outage tests ask for the shipped
/// waits (<see cref="WithShippedRedisWaits"/>).
/// </summary>
internal static class IsolatedQuotas
{
    private const string DecisionWait = "Harmonia:RateLimiting:RedisTimeout";
    private const string CommandWait = "Harmonia:Redis:CommandTimeout";

    public static Dictionary<string, string?> Settings(params (string Key, string Value)[] quotas)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Harmonia:RateLimiting:KeyPrefix"] = $"rate-test-{Guid.NewGuid():N}",
            [DecisionWait] = TestAppHost.DecisionTimeout,
            [CommandWait] = TestAppHost.DecisionTimeout,
        };
        foreach (var (key, value) in quotas)
        {
            settings[$"Harmonia:RateLimiting:{key}"] = value;
        }

        return settings;
    }

    /// <summary>As <see cref="Settings"/>, but meeting a slow or absent Redis with the waits an instance ships with.</summary>
    public static Dictionary<string, string?> WithShippedRedisWaits(params (string Key, string Value)[] quotas)
    {
        var settings = Settings(quotas);
        settings.Remove(DecisionWait);
        settings.Remove(CommandWait);
        return settings;
    }
}
