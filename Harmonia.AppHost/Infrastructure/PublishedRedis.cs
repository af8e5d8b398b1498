namespace Harmonia.AppHost.Infrastructure;

/// <summary>
/// Which Redis a published (Azure) deployment gets. The AppHost reads it from
/// <c>Harmonia:Infrastructure:PublishedRedis</c>, and infra/main.parameters.json from the same environment
/// variable (<c>Harmonia__Infrastructure__PublishedRedis</c>), so one setting switches both.
/// </summary>
public enum PublishedRedis
{
    /// <summary>Aspire's Redis container as one container app: cheapest, one node, inside the environment.</summary>
    Container,

    /// <summary>
    /// Azure Managed Redis (Microsoft.Cache/redisEnterprise): clustered with the OSS cluster API, TLS only, highly
    /// available, scaled by choosing its SKU. infra/redis.bicep provisions it.
    /// </summary>
    AzureManagedRedis,
}
