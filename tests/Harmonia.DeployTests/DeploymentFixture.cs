using System.Text.Json.Nodes;
using Harmonia.AppHost.Infrastructure;

namespace Harmonia.DeployTests;

/// <summary>
/// What azd works from, read once for the tests that compare it: the AppHost's manifest for each published Redis
/// variant, main.bicep compiled to ARM (its parameters with their types and azd metadata), main.parameters.json
/// and the container app templates.
/// </summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    /// <summary>The manifest azd reads, published once per <see cref="PublishedRedis"/> variant.</summary>
    internal IReadOnlyDictionary<PublishedRedis, AppHostManifest> Manifests { get; private set; } = null!;

    /// <summary>The parameters of the compiled main.bicep, by name.</summary>
    internal JsonObject MainParameters { get; private set; } = null!;

    /// <summary>The outputs of the compiled main.bicep, which azd stores in the environment as <c>.Env</c>.</summary>
    internal JsonObject MainOutputs { get; private set; } = null!;

    /// <summary>infra/redis.bicep compiled: the Redis connection string in Key Vault, and Azure Managed Redis.</summary>
    internal ArmTemplate RedisModule { get; private set; } = null!;

    /// <summary>infra/resources.bicep compiled: what the container apps share, the key vault among it.</summary>
    internal ArmTemplate SharedResources { get; private set; } = null!;

    /// <summary>infra/alerts.bicep compiled: Application Insights and the alert rules.</summary>
    internal ArmTemplate Alerts { get; private set; } = null!;

    /// <summary>main.bicep compiled, whole.</summary>
    internal ArmTemplate Main { get; private set; } = null!;

    /// <summary>The <c>parameters</c> object of main.parameters.json.</summary>
    internal JsonObject ParameterValues { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var manifests = Enum.GetValues<PublishedRedis>().Select(async variant => (variant, await AppHostManifest.PublishAsync(variant, cancellationToken))).ToList();
        var main = BicepCli.BuildAsync(Path.Combine(Repository.Infra, "main.bicep"), cancellationToken);
        var redis = BicepCli.BuildAsync(Path.Combine(Repository.Infra, "redis.bicep"), cancellationToken);
        var resources = BicepCli.BuildAsync(Path.Combine(Repository.Infra, "resources.bicep"), cancellationToken);
        var alerts = BicepCli.BuildAsync(Path.Combine(Repository.Infra, "alerts.bicep"), cancellationToken);

        Manifests = (await Task.WhenAll(manifests)).ToDictionary(pair => pair.variant, pair => pair.Item2);
        var (template, _) = await main;
        MainParameters = template["parameters"]!.AsObject();
        MainOutputs = template["outputs"]!.AsObject();
        Main = new ArmTemplate(template);
        Alerts = new ArmTemplate((await alerts).Template);
        RedisModule = new ArmTemplate((await redis).Template);
        SharedResources = new ArmTemplate((await resources).Template);
        var parameterFile = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Infra, "main.parameters.json"), cancellationToken))!;
        ParameterValues = parameterFile["parameters"]!.AsObject();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
