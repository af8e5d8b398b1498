using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>A Bicep file compiled to ARM JSON, read the way the tests need it: resources by type, values as text.</summary>
internal sealed class ArmTemplate(JsonObject template)
{
    public JsonObject Parameters => template["parameters"]!.AsObject();

    public JsonObject Variables => template["variables"]?.AsObject() ?? [];

    /// <summary>The resources of one type; Bicep writes them as an array, or as an object keyed by symbolic name.</summary>
    public IReadOnlyList<JsonObject> Resources(string type) =>
        [.. (template["resources"] is JsonArray array ? array.AsEnumerable() : template["resources"]!.AsObject().Select(pair => pair.Value))
            .Select(resource => resource!.AsObject())
            .Where(resource => (string)resource["type"]! == type)];

    public JsonObject Resource(string type) => Assert.Single(Resources(type));

    public JsonObject Outputs => template["outputs"]!.AsObject();

    /// <summary>The Key Vault secret of this name; its resource name ends in it, as <c>format('{0}/{1}', vault, 'name')</c>.</summary>
    public JsonObject KeyVaultSecret(string name) =>
        Assert.Single(Resources("Microsoft.KeyVault/vaults/secrets"), secret => ((string)secret["name"]!).EndsWith($"'{name}')]", StringComparison.Ordinal));

    /// <summary>The ARM expression a <c>[...]</c> value holds, without its brackets, to find it inside another.</summary>
    public static string Expression(JsonNode value) => ((string)value!)[1..^1];

    /// <summary>The allowed values of a parameter, in declaration order.</summary>
    public IReadOnlyList<string> AllowedValues(string parameter) =>
        [.. Parameters[parameter]!["allowedValues"]!.AsArray().Select(value => (string)value!)];
}
