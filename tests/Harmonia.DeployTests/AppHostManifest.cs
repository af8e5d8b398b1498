using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Harmonia.AppHost.Infrastructure;

namespace Harmonia.DeployTests;

/// <summary>
/// The AppHost's publishing manifest, which is what azd reads: which resources become container apps, which
/// parameters it must ask for, and what each service's environment holds.
/// </summary>
internal sealed partial class AppHostManifest(JsonObject resources)
{
    /// <summary>Resource types azd turns into container apps.</summary>
    public static readonly string[] DeployedTypes = ["project.v0", "container.v0", "dockerfile.v0"];

    /// <summary>
    /// Resource types azd's fullAzd mode understands. A v1 type or an azure.bicep resource would switch azd to
    /// other infrastructure than the one kept in infra/.
    /// </summary>
    public static readonly string[] SupportedTypes = [.. DeployedTypes, "parameter.v0", "value.v0", "annotated.string"];

    public IEnumerable<string> Names => resources.Select(r => r.Key);

    public IEnumerable<string> Deployed => Names.Where(name => DeployedTypes.Contains(Type(name)));

    public IEnumerable<string> Parameters => Names.Where(name => Type(name) == "parameter.v0");

    public JsonObject this[string name] => resources[name]!.AsObject();

    public string Type(string name) => (string)this[name]["type"]!;

    public IReadOnlyDictionary<string, string> Environment(string name) =>
        this[name]["env"]?.AsObject().ToDictionary(e => e.Key, e => (string)e.Value!) ?? [];

    public IReadOnlyDictionary<string, JsonObject> Bindings(string name) =>
        this[name]["bindings"]?.AsObject().ToDictionary(b => b.Key, b => b.Value!.AsObject()) ?? [];

    public JsonObject Input(string parameter) => this[parameter]["inputs"]!["value"]!.AsObject();

    public bool IsSecret(string parameter) => (bool?)Input(parameter)["secret"] ?? false;

    /// <summary>The name azd gives a parameter in main.bicep and the container app templates.</summary>
    public static string BicepName(string parameter) => parameter.Replace('-', '_');

    /// <summary>The azd environment variable main.parameters.json takes a parameter's value from.</summary>
    public static string EnvironmentVariable(string parameter) =>
        $"AZURE_{CamelCaseBoundary().Replace(parameter, "$1_$2").ToUpperInvariant().Replace('-', '_')}";

    /// <summary>Publishes the manifest with the published Redis chosen through the environment, as an azd user does.</summary>
    public static async Task<AppHostManifest> PublishAsync(PublishedRedis publishedRedis, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("harmonia-manifest-");
        try
        {
            var output = Path.Combine(directory.FullName, "aspire-manifest.json");

            // The command azd runs, against the AppHost build that sits next to these tests.
            var result = await Tool.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "Harmonia.AppHost"),
                ["--publisher", "manifest", "--output-path", output],
                new Dictionary<string, string> { [ManifestAgreementTests.PublishedRedisVariable] = publishedRedis.ToString() },
                cancellationToken);

            Assert.True(result.ExitCode == 0, $"Publishing the manifest failed: {result}");
            var manifest = JsonNode.Parse(await File.ReadAllTextAsync(output, cancellationToken))!;
            return new AppHostManifest(manifest["resources"]!.AsObject());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The parameters a manifest value draws on, following connection strings and annotated values to the
    /// parameters at their end, e.g. <c>{redis.connectionString}</c> → <c>redis-password</c>.
    /// </summary>
    public IReadOnlySet<string> ParametersIn(string value)
    {
        var found = new HashSet<string>();
        Collect(value, found);
        return found;
    }

    /// <summary>Whether azd keeps the variable in a container app secret rather than in plain text.</summary>
    public bool IsSecretVariable(string name, string value) =>
        name.Contains("ConnectionStrings__", StringComparison.Ordinal)
        || value.Contains(".connectionString}", StringComparison.Ordinal)
        || ParametersIn(value).Any(IsSecret);

    public static bool HasExpressions(string value) => Expression().IsMatch(value);

    private void Collect(string value, HashSet<string> found)
    {
        foreach (Match match in Expression().Matches(value))
        {
            var (resource, property) = (match.Groups["resource"].Value, match.Groups["property"].Value);
            if (Type(resource) == "parameter.v0")
            {
                found.Add(resource);
            }
            else if (property is "connectionString" or "value" && this[resource][property] is JsonValue inner)
            {
                Collect((string)inner!, found);
            }
        }
    }

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex CamelCaseBoundary();

    [GeneratedRegex(@"\{(?<resource>[a-zA-Z][\w-]*)\.(?<property>[\w.-]+)\}")]
    private static partial Regex Expression();
}
