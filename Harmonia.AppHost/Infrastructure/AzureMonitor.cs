namespace Harmonia.AppHost.Infrastructure;

/// <summary>
/// Application Insights when deployed: infra/alerts.bicep provisions it, writes its connection string to Key Vault,
/// and its alert rules read what the services send there. As with Azure Managed Redis, the manifest carries only the
/// secret's name and the container app templates read the secret. In run mode there is none: telemetry goes to the
/// dashboard only.
/// </summary>
internal static class AzureMonitor
{
    public const string Name = "appinsights";

    public static IResourceBuilder<ConnectionStringResource>? AddAzureMonitorConnection(this IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddConnectionString(Name, ReferenceExpression.Create($"{AzureManagedRedis.KeyVaultSecretName(Name)}"))
            : null;

    /// <summary>Gives the service the connection string, so its telemetry also goes to Azure Monitor (see ServiceDefaults).</summary>
    public static IResourceBuilder<ProjectResource> WithAzureMonitor(this IResourceBuilder<ProjectResource> service, IResourceBuilder<ConnectionStringResource>? azureMonitor) =>
        azureMonitor is null ? service : service.WithReference(azureMonitor);
}
