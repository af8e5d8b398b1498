using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Harmonia.AppHost.Infrastructure;

namespace Harmonia.DeployTests;

/// <summary>
/// The AppHost's manifest and the files azd deploys from agree: every resource, parameter and environment
/// variable the AppHost declares reaches Azure, and nothing stale is left behind when the AppHost changes. One set
/// of files serves both published Redis variants (<see cref="PublishedRedis"/>), so each test holds for the manifest
/// of each. Each test collects every disagreement before failing, so one run lists all that has drifted.
/// </summary>
public sealed partial class ManifestAgreementTests(DeploymentFixture deployment) : IClassFixture<DeploymentFixture>
{
    /// <summary>main.bicep parameters azd itself fills in, from the environment's name and region.</summary>
    private static readonly string[] AzdParameters = ["environmentName", "location"];

    /// <summary>main.bicep's switch between the published Redis variants, which the AppHost reads from the same setting.</summary>
    private const string PublishedRedisParameter = "publishedRedis";

    /// <summary>main.bicep's worker replica range, which only the worker's scale rule reads.</summary>
    private static readonly Dictionary<string, string> WorkerReplicaParameters = new()
    {
        ["workerMinReplicas"] = "${HARMONIA_WORKER_MIN_REPLICAS=1}",
        ["workerMaxReplicas"] = "${HARMONIA_WORKER_MAX_REPLICAS=10}",
    };

    /// <summary>main.bicep's action group for the alert rules, an operator's choice rather than the AppHost's.</summary>
    private const string AlertActionGroupParameter = "alertActionGroupId";

    /// <summary>Values azd keeps in every environment besides the provisioning outputs.</summary>
    private static readonly string[] AzdEnvironment = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID"];

    /// <summary>The functions azd defines for container app templates; any other name fails the deployment.</summary>
    private static readonly string[] AzdFunctions =
        ["targetPortOrDefault", "securedParameter", "parameter", "parameterWithDefault", "uriEncode", "secretOutput", "urlHost"];

    private static readonly string[] GenerateMinimums = ["minLower", "minUpper", "minNumeric", "minSpecial"];

    private static readonly string[] GenerateCharacterClasses = ["lower", "upper", "numeric", "special"];

    private static readonly char[] TokenSeparators = [' ', '(', ')'];

    /// <summary>azd gives every container the managed identity's client id, for Azure SDK credentials.</summary>
    private const string ManagedIdentityVariable = "AZURE_CLIENT_ID";

    public static TheoryData<PublishedRedis> Variants() => [.. Enum.GetValues<PublishedRedis>()];

    [Theory]
    [MemberData(nameof(Variants))]
    public void ManifestHoldsOnlyResourceTypesAzdDeploysWithTheseFiles(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        var unsupported = manifest.Names.Where(name => !AppHostManifest.SupportedTypes.Contains(manifest.Type(name)));

        AssertNone([.. unsupported.Select(name => $"{name} ({manifest.Type(name)})")]);
    }

    [Fact]
    public void EveryDeployedResourceHasAContainerAppTemplateAndNoTemplateIsStale()
    {
        var deployed = deployment.Manifests.Values.SelectMany(manifest => manifest.Deployed).Distinct().ToList();
        Assert.Equal(deployed.Order(), ContainerAppTemplate.AllNames().Order());
        foreach (var resource in deployed)
        {
            var template = ContainerAppTemplate.Load(resource);
            Assert.Equal(resource, (string)template.Container["name"]!);
            Assert.Equal(resource, (string)template.Document["tags"]!["azd-service-name"]!);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryParameterIsAMainBicepParameterOfTheSameKind(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        var failures = new List<string>();
        foreach (var parameter in manifest.Parameters)
        {
            var name = AppHostManifest.BicepName(parameter);
            if (deployment.MainParameters[name] is not JsonObject declared)
            {
                failures.Add($"{parameter}: main.bicep has no parameter {name}");
                continue;
            }

            var expectedType = manifest.IsSecret(parameter) ? "securestring" : "string";
            if ((string)declared["type"]! != expectedType)
            {
                failures.Add($"{parameter}: main.bicep declares {name} as {declared["type"]}, expected {expectedType}");
            }

            var expectedGenerate = GenerateMetadata(manifest.Input(parameter));
            var declaredGenerate = (string?)declared["metadata"]?["azd"]?["type"] == "generate" ? declared["metadata"]!["azd"]!["config"] : null;
            if (!JsonNode.DeepEquals(expectedGenerate, declaredGenerate))
            {
                failures.Add($"{parameter}: main.bicep generates {declaredGenerate?.ToJsonString() ?? "nothing"}, expected {expectedGenerate?.ToJsonString() ?? "nothing"}");
            }

            var expectedDefault = manifest.Input(parameter)["default"]?["value"];
            if (!JsonNode.DeepEquals(expectedDefault, declared["defaultValue"]))
            {
                failures.Add($"{parameter}: main.bicep defaults {name} to {declared["defaultValue"]?.ToJsonString() ?? "nothing"}, expected {expectedDefault?.ToJsonString() ?? "nothing"}");
            }
        }

        // A parameter only the other variant declares (the Redis container's password) is known too.
        var known = AllParameters().Select(AppHostManifest.BicepName).Concat(AzdParameters).Append(PublishedRedisParameter)
            .Concat(WorkerReplicaParameters.Keys).Append(AlertActionGroupParameter);
        failures.AddRange(deployment.MainParameters.Select(p => p.Key).Except(known).Select(name => $"main.bicep parameter {name} is no AppHost parameter"));
        AssertNone(failures);
    }

    [Fact]
    public void EveryParameterTakesItsValueFromTheAzdEnvironment()
    {
        var expected = AllParameters().ToDictionary(AppHostManifest.BicepName, p => $"${{{AppHostManifest.EnvironmentVariable(p)}}}");
        expected["environmentName"] = "${AZURE_ENV_NAME}";
        expected["location"] = "${AZURE_LOCATION}";
        expected[PublishedRedisParameter] = $"${{{PublishedRedisVariable}={PublishedRedis.Container}}}";
        foreach (var (name, value) in WorkerReplicaParameters)
        {
            expected[name] = value;
        }

        expected[AlertActionGroupParameter] = "${AZURE_ALERT_ACTION_GROUP_ID=}";

        var actual = deployment.ParameterValues.ToDictionary(p => p.Key, p => (string)p.Value!["value"]!);

        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryVariableTheManifestSetsIsSetByTheTemplateAndNoOther(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        var failures = new List<string>();
        foreach (var resource in manifest.Deployed)
        {
            var declared = manifest.Environment(resource).Keys;
            var provided = ContainerAppTemplate.Load(resource).Env.Select(e => (string)e["name"]!).Where(name => name != ManagedIdentityVariable).ToList();
            failures.AddRange(declared.Except(provided).Select(name => $"{resource}: the template does not set {name}"));
            failures.AddRange(provided.Except(declared).Select(name => $"{resource}: the template sets {name}, which the AppHost no longer does"));
        }

        AssertNone(failures);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryVariableHasTheManifestValueOrDrawsOnTheSameParameters(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        var failures = new List<string>();
        foreach (var resource in manifest.Deployed)
        {
            var template = ContainerAppTemplate.Load(resource);
            foreach (var (name, value) in manifest.Environment(resource))
            {
                if (Resolve(template, name) is not { } rendered)
                {
                    continue;
                }

                if (!AppHostManifest.HasExpressions(value))
                {
                    if (rendered != value)
                    {
                        failures.Add($"{resource}: {name} is '{rendered}', the AppHost says '{value}'");
                    }

                    continue;
                }

                var expected = manifest.ParametersIn(value).Select(AppHostManifest.BicepName).Order();
                var actual = ContainerAppTemplate.ParametersIn(rendered).Order();
                if (!expected.SequenceEqual(actual))
                {
                    failures.Add($"{resource}: {name} reads parameters [{string.Join(", ", actual)}], the AppHost's value '{value}' reads [{string.Join(", ", expected)}]");
                }
            }
        }

        AssertNone(failures);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void SecretValuesReachContainersOnlyThroughSecretRefs(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        var failures = new List<string>();
        foreach (var resource in manifest.Deployed)
        {
            var template = ContainerAppTemplate.Load(resource);
            var env = template.Env.ToDictionary(e => (string)e["name"]!);
            foreach (var (name, value) in manifest.Environment(resource))
            {
                if (manifest.IsSecretVariable(name, value) && env.TryGetValue(name, out var entry) && entry["secretRef"] is null)
                {
                    failures.Add($"{resource}: {name} holds a secret ('{value}') but is set in plain text");
                }
            }

            var referenced = env.Values.Select(e => (string?)e["secretRef"]).OfType<string>().Concat(template.ScaleRuleSecretRefs).ToList();
            failures.AddRange(referenced.Except(template.Secrets.Keys).Select(secret => $"{resource}: secretRef {secret} names no secret"));
            failures.AddRange(template.Secrets.Keys.Except(referenced).Select(secret => $"{resource}: secret {secret} is never used"));
            failures.AddRange(env.Values
                .Where(e => ((string?)e["value"])?.Contains("securedParameter", StringComparison.Ordinal) == true)
                .Select(e => $"{resource}: {e["name"]} puts a secured parameter in plain text"));
        }

        AssertNone(failures);
    }

    [Fact]
    public void TemplatesUseOnlyFunctionsAndValuesAzdProvides()
    {
        var outputs = deployment.MainOutputs.Select(o => o.Key).Concat(AzdEnvironment).ToHashSet();
        var failures = new List<string>();
        foreach (var resource in ContainerAppTemplate.AllNames())
        {
            foreach (var expression in ContainerAppTemplate.Load(resource).Expressions)
            {
                foreach (var token in Tokens(expression))
                {
                    var known = token.StartsWith(".Env.", StringComparison.Ordinal)
                        ? outputs.Contains(token[".Env.".Length..])
                        : token == ".Image" || int.TryParse(token, out _) || AzdFunctions.Contains(token);
                    if (!known)
                    {
                        failures.Add($"{resource}: '{token}' in {{{{ {expression} }}}} is nothing azd provides");
                    }
                }

                failures.AddRange(ContainerAppTemplate.ParametersIn(ContainerAppTemplate.Marker(expression))
                    .Where(parameter => !deployment.MainParameters.ContainsKey(parameter))
                    .Select(parameter => $"{resource}: {{{{ {expression} }}}} reads {parameter}, which main.bicep does not declare"));
            }
        }

        AssertNone(failures);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void IngressFollowsTheManifestBindings(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        foreach (var resource in manifest.Deployed)
        {
            var bindings = manifest.Bindings(resource).Values.ToList();
            var ingress = ContainerAppTemplate.Load(resource).Ingress;
            if (bindings.Count == 0)
            {
                Assert.Null(ingress);
                continue;
            }

            Assert.NotNull(ingress);
            var external = bindings.Any(b => (bool?)b["external"] == true);
            Assert.True((string)ingress["external"]! == (external ? "true" : "false"), $"{resource}: ingress external should be {external}");

            var http = bindings.Where(b => (string)b["scheme"]! is "http" or "https").ToList();
            var (transport, targetPort) = http.Count > 0
                ? ("http", http.Select(b => b["targetPort"]?.ToString()).FirstOrDefault(p => p is not null) ?? ContainerAppTemplate.Marker("targetPortOrDefault 8080"))
                : ("tcp", bindings[0]["targetPort"]!.ToString());
            Assert.Equal((resource, transport, targetPort), (resource, (string)ingress["transport"]!, (string)ingress["targetPort"]!));
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ContainersRunTheImageCommandAndArgumentsOfTheManifest(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        foreach (var resource in manifest.Deployed)
        {
            var container = ContainerAppTemplate.Load(resource).Container;
            var published = manifest[resource];

            // azd puts the image it built or the manifest's image reference here when it deploys.
            Assert.Equal(ContainerAppTemplate.Marker(".Image"), (string)container["image"]!);
            Assert.Equal(Strings(published["args"]), Strings(container["args"]));
            string[] command = published["entrypoint"] is { } entrypoint ? [(string)entrypoint!] : [];
            Assert.Equal(command, Strings(container["command"]));
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ProjectsAreProbedForReadinessOnHealthAndLivenessOnAlive(PublishedRedis variant)
    {
        var manifest = deployment.Manifests[variant];
        foreach (var resource in manifest.Deployed.Where(r => manifest.Type(r) == "project.v0"))
        {
            var template = ContainerAppTemplate.Load(resource);
            var probes = template.Container["probes"]!.AsArray().ToDictionary(p => (string)p!["type"]!, p => p!["httpGet"]!);
            var port = (string)template.Ingress!["targetPort"]!;

            Assert.Equal((resource, "/health", port), (resource, (string)probes["Readiness"]!["path"]!, (string)probes["Readiness"]!["port"]!));
            Assert.Equal((resource, "/alive", port), (resource, (string)probes["Liveness"]!["path"]!, (string)probes["Liveness"]!["port"]!));
        }
    }

    [Fact]
    public void RedisRunsAsExactlyOneReplica()
    {
        // Replicas would be independent Redis servers behind one name: sessions, locks and pub/sub would split.
        var scale = ContainerAppTemplate.Load("redis").Document["properties"]!["template"]!["scale"]!;

        Assert.Equal(("1", "1"), ((string)scale["minReplicas"]!, (string)scale["maxReplicas"]!));
    }

    [Fact]
    public void RedisInAzureRunsWithTheSettingsOfEveryOtherMode()
    {
        // The same memory bound and eviction everywhere: volatile-lru evicts cache entries and never the job queue.
        var published = (string)deployment.Manifests[PublishedRedis.Container]["redis"]["args"]!.AsArray()[^1]!;
        var deployed = (string)ContainerAppTemplate.Load("redis").Container["args"]!.AsArray()[^1]!;

        Assert.Equal(Settings(published), Settings(deployed));
        Assert.Contains("--maxmemory-policy volatile-lru", deployed, StringComparison.Ordinal);

        // Everything from the first of Harmonia's settings on; what precedes it (the password) is spelled per file.
        static string Settings(string commandLine) => commandLine[commandLine.IndexOf("--maxmemory ", StringComparison.Ordinal)..];
    }

    [Fact]
    public void AzureYamlDeploysTheAppHostToContainerApps()
    {
        var project = ContainerAppTemplate.ReadYaml(Path.Combine(Repository.Root, "azure.yaml"));

        var service = Assert.Single(project["services"]!.AsObject()).Value!;
        Assert.Equal("dotnet", (string)service["language"]!);
        Assert.Equal("containerapp", (string)service["host"]!);
        Assert.Equal(Repository.Project("Harmonia.AppHost"), Path.GetFullPath(Path.Combine(Repository.Root, (string)service["project"]!)));
    }

    /// <summary>The environment variable that selects the published Redis, for the AppHost and for main.parameters.json alike.</summary>
    internal static string PublishedRedisVariable => $"{InfrastructureOptions.SectionName.Replace(":", "__", StringComparison.Ordinal)}__{nameof(InfrastructureOptions.PublishedRedis)}";

    /// <summary>The AppHost parameters of either variant.</summary>
    private IEnumerable<string> AllParameters() => deployment.Manifests.Values.SelectMany(manifest => manifest.Parameters).Distinct();

    /// <summary>Fails with every disagreement in full; Assert.Empty would cut the list short.</summary>
    private static void AssertNone(List<string> failures) =>
        Assert.True(failures.Count == 0, $"{failures.Count} disagreement(s):\n{string.Join('\n', failures)}");

    /// <summary>The value azd gives a variable, taken from the container's secrets when it is a secretRef.</summary>
    private static string? Resolve(ContainerAppTemplate template, string name) =>
        template.Env.FirstOrDefault(e => (string)e["name"]! == name) is not { } entry ? null
        : entry["secretRef"] is { } secret ? template.Secrets.GetValueOrDefault((string)secret!)
        : (string?)entry["value"];

    /// <summary>
    /// The generate settings azd derives from a parameter's <c>default.generate</c>: the length is at least the
    /// sum of the minimum counts, and each character class the AppHost turns off becomes a <c>no*</c> flag.
    /// </summary>
    private static JsonObject? GenerateMetadata(JsonObject input)
    {
        if (input["default"]?["generate"] is not JsonObject generate)
        {
            return null;
        }

        var length = Math.Max((int?)generate["minLength"] ?? 0, GenerateMinimums.Sum(m => (int?)generate[m] ?? 0));
        var config = new JsonObject { ["length"] = length };
        foreach (var minimum in GenerateMinimums.Where(m => generate[m] is not null))
        {
            config[minimum] = (int)generate[minimum]!;
        }

        foreach (var characterClass in GenerateCharacterClasses.Where(c => generate[c] is not null))
        {
            config[$"no{char.ToUpperInvariant(characterClass[0])}{characterClass[1..]}"] = !(bool)generate[characterClass]!;
        }

        return config;
    }

    private static string[] Tokens(string expression) =>
        QuotedString().Replace(expression, " ").Split(TokenSeparators, StringSplitOptions.RemoveEmptyEntries);

    private static string[] Strings(JsonNode? array) => array is null ? [] : [.. array.AsArray().Select(item => (string)item!)];

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex QuotedString();
}
