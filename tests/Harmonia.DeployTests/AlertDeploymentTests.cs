using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>
/// The alert rules azd provisions (infra/alerts.bicep): one for each signal of the troubleshooting table in
/// docs/operations.md, all notifying the action group main.bicep is given. That their metric names are ones the code
/// emits is checked against the running services' meters (Harmonia.IntegrationTests, AlertRuleTests).
/// </summary>
public sealed class AlertDeploymentTests(DeploymentFixture deployment) : IClassFixture<DeploymentFixture>
{
    private const string RuleType = "Microsoft.Insights/scheduledQueryRules";

    /// <summary>What the issue asks alerts on, by rule name.</summary>
    public static TheoryData<string> Signals() =>
    [
        "api-5xx-rate", "api-p99-latency", "redis-memory-high", "redis-evictions", "job-failures", "job-queue-growing",
        "ratelimit-local-fallback", "mail-send-failures",
    ];

    public static TheoryData<string> Services() => ["api", "worker"];

    private JsonArray Rules => deployment.Alerts.Variables["rules"]!.AsArray();

    [Theory]
    [MemberData(nameof(Signals))]
    public void EverySignalOfTheTroubleshootingTableHasAnEnabledRuleWithAQueryAndThreshold(string signal)
    {
        var rule = Assert.Single(Rules, candidate => (string)candidate!["name"]! == signal)!;

        Assert.False(string.IsNullOrWhiteSpace((string?)rule["query"]));
        Assert.Contains("Value", (string)rule["query"]!, StringComparison.Ordinal);
        Assert.NotNull(rule["threshold"]);
        Assert.InRange((int)rule["severity"]!, 0, 4);
    }

    [Fact]
    public void EveryRuleIsEnabledOnTheWorkspaceAndNotifiesTheActionGroup()
    {
        var rules = deployment.Alerts.Resource(RuleType);
        var properties = rules["properties"]!;

        Assert.Equal("[length(variables('rules'))]", (string)rules["copy"]!["count"]!);
        Assert.True((bool)properties["enabled"]!);
        Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", (string)properties["scopes"]![0]!);
        Assert.Equal("Value", (string)properties["criteria"]!["allOf"]![0]!["metricMeasureColumn"]!);
        Assert.Contains("parameters('actionGroupId')", (string)properties["actions"]!["actionGroups"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void MainPassesTheActionGroupAndTheWorkspaceToTheAlerts()
    {
        var module = deployment.Main.Resources("Microsoft.Resources/deployments").Single(resource => (string)resource["name"]! == "alerts");
        var parameters = module["properties"]!["parameters"]!;

        Assert.Equal("[parameters('alertActionGroupId')]", (string)parameters["actionGroupId"]!["value"]!);
        Assert.Contains("AZURE_LOG_ANALYTICS_WORKSPACE_ID", (string)parameters["logAnalyticsWorkspaceId"]!["value"]!, StringComparison.Ordinal);
        Assert.Equal("${AZURE_ALERT_ACTION_GROUP_ID=}", (string)deployment.ParameterValues["alertActionGroupId"]!["value"]!);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void ServiceSendsTelemetryToTheApplicationInsightsTheRulesRead(string service)
    {
        var template = ContainerAppTemplate.Load(service);

        var secret = template.Configuration["secrets"]!.AsArray().Single(entry => (string)entry!["name"]! == "connectionstrings--appinsights")!;
        var variable = template.Env.Single(entry => (string)entry["name"]! == "ConnectionStrings__appinsights");

        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_APPINSIGHTS_CONNECTION_STRING_URI"), (string)secret["keyVaultUrl"]!);
        Assert.Equal("connectionstrings--appinsights", (string)variable["secretRef"]!);
        Assert.Contains("connectionStringSecretUri", (string)deployment.MainOutputs["AZURE_APPINSIGHTS_CONNECTION_STRING_URI"]!["value"]!, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/components", (string)deployment.Alerts.Resource("Microsoft.KeyVault/vaults/secrets")["properties"]!["value"]!, StringComparison.Ordinal);
    }
}
