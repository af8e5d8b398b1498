using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Harmonia.DeployTests;

/// <summary>
/// A <c>Harmonia.AppHost/infra/&lt;resource&gt;.tmpl.yaml</c> file: YAML once azd has filled its Go template
/// placeholders. Each placeholder is kept as a marker <c>&lt;&lt;expression&gt;&gt;</c>, so tests can read the
/// YAML and still see which parameter or output every value comes from.
/// </summary>
internal sealed partial class ContainerAppTemplate
{
    private ContainerAppTemplate(IReadOnlyList<string> expressions, JsonObject document)
    {
        Expressions = expressions;
        Document = document;
    }

    /// <summary>The contents of every <c>{{ }}</c> placeholder, whitespace trimmed.</summary>
    public IReadOnlyList<string> Expressions { get; }

    public JsonObject Document { get; }

    public JsonObject Configuration => Document["properties"]!["configuration"]!.AsObject();

    public JsonObject? Ingress => Configuration["ingress"]?.AsObject();

    public JsonObject Container => Assert.Single(Document["properties"]!["template"]!["containers"]!.AsArray())!.AsObject();

    public IReadOnlyList<JsonObject> Env => [.. Container["env"]!.AsArray().Select(e => e!.AsObject())];

    /// <summary>The secrets the custom scale rules authenticate with (KEDA trigger parameters).</summary>
    public IEnumerable<string> ScaleRuleSecretRefs =>
        (Document["properties"]!["template"]!["scale"]?["rules"]?.AsArray() ?? [])
            .SelectMany(rule => rule!["custom"]?["auth"]?.AsArray() ?? [])
            .Select(auth => (string)auth!["secretRef"]!);

    public IReadOnlyDictionary<string, string> Secrets =>
        Configuration["secrets"]?.AsArray().ToDictionary(s => (string)s!["name"]!, s => (string)s!["value"]!) ?? [];

    public static IEnumerable<string> AllNames() =>
        Directory.EnumerateFiles(Repository.ContainerAppTemplates, "*.tmpl.yaml").Select(path => Path.GetFileName(path)[..^".tmpl.yaml".Length]);

    public static ContainerAppTemplate Load(string resource)
    {
        var text = File.ReadAllText(Path.Combine(Repository.ContainerAppTemplates, $"{resource}.tmpl.yaml"));
        var expressions = Placeholder().Matches(text).Select(m => m.Groups["expression"].Value.Trim()).ToList();
        var rendered = Placeholder().Replace(text, m => Marker(m.Groups["expression"].Value));

        return new ContainerAppTemplate(expressions, ParseYaml(rendered));
    }

    public static JsonObject ReadYaml(string path) => ParseYaml(File.ReadAllText(path));

    /// <summary>The marker a placeholder becomes: quotes dropped so it sits inside any YAML scalar.</summary>
    public static string Marker(string expression) => $"<<{expression.Trim().Replace("\"", "", StringComparison.Ordinal)}>>";

    /// <summary>The AppHost parameters (Bicep names) a rendered value reads, from its parameter markers.</summary>
    public static IReadOnlySet<string> ParametersIn(string rendered) =>
        ParameterCall().Matches(rendered).Select(m => m.Groups["name"].Value).ToHashSet();

    /// <summary>YAML as JSON, every scalar a string: what the tests compare is text.</summary>
    private static JsonObject ParseYaml(string yaml)
    {
        var document = new DeserializerBuilder().Build().Deserialize<object>(yaml);
        return JsonNode.Parse(new SerializerBuilder().JsonCompatible().Build().Serialize(document))!.AsObject();
    }

    [GeneratedRegex(@"\{\{(?<expression>.*?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\b(?:securedParameter|parameter|parameterWithDefault) (?<name>[\w-]+)")]
    private static partial Regex ParameterCall();
}
