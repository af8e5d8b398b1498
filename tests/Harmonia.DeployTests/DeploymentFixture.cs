using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>
/// What azd works from, read once for the tests that compare it: the AppHost's manifest, main.bicep compiled
/// to ARM (its parameters with their types and azd metadata), main.parameters.json and the container app templates.
/// </summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    internal AppHostManifest Manifest { get; private set; } = null!;

    /// <summary>The parameters of the compiled main.bicep, by name.</summary>
    internal JsonObject MainParameters { get; private set; } = null!;

    /// <summary>The outputs of the compiled main.bicep, which azd stores in the environment as <c>.Env</c>.</summary>
    internal JsonObject MainOutputs { get; private set; } = null!;

    /// <summary>The <c>parameters</c> object of main.parameters.json.</summary>
    internal JsonObject ParameterValues { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var manifest = AppHostManifest.PublishAsync(cancellationToken);
        var main = BicepCli.BuildAsync(Path.Combine(Repository.Infra, "main.bicep"), cancellationToken);

        Manifest = await manifest;
        var (template, _) = await main;
        MainParameters = template["parameters"]!.AsObject();
        MainOutputs = template["outputs"]!.AsObject();
        var parameterFile = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Infra, "main.parameters.json"), cancellationToken))!;
        ParameterValues = parameterFile["parameters"]!.AsObject();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
