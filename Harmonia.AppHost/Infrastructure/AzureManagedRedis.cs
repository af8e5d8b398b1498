namespace Harmonia.AppHost.Infrastructure;

/// <summary>
/// Azure Managed Redis as the published Redis. infra/redis.bicep provisions it and writes the services' connection
/// string (<c>HOST:10000,ssl=true,password=ACCESS_KEY</c>) to Key Vault; the container app templates read that
/// secret. Neither the AppHost nor azd ever holds the key, so what the manifest carries as the connection string is
/// the name of that secret.
/// </summary>
internal static class AzureManagedRedis
{
    /// <summary>The Key Vault secret holding a resource's connection string, named as Aspire's Key Vault integration names them.</summary>
    public static string KeyVaultSecretName(string resource) => $"connectionstrings--{resource}";

    public static IResourceBuilder<ConnectionStringResource> AddAzureManagedRedisConnection(this IDistributedApplicationBuilder builder, [ResourceName] string name) =>
        builder.AddConnectionString(name, ReferenceExpression.Create($"{KeyVaultSecretName(name)}"));
}
