using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>The Bicep CLI that the Azure.Bicep.CommandLine.linux-x64 package ships.</summary>
internal static class BicepCli
{
    /// <summary>
    /// Compiles a Bicep file to its ARM template. Errors fail the call; warnings come back as diagnostics,
    /// which Bicep prints to standard error while it still exits 0.
    /// </summary>
    public static async Task<(JsonObject Template, string Diagnostics)> BuildAsync(string file, CancellationToken cancellationToken)
    {
        var result = await Tool.RunAsync(Repository.Bicep, ["build", file, "--stdout"], cancellationToken: cancellationToken);

        Assert.True(result.ExitCode == 0, $"bicep build {file}: {result}");
        return (JsonNode.Parse(result.Output)!.AsObject(), result.Error.Trim());
    }

    /// <summary>Runs the linter with its default rules and returns every finding as "file(line): rule: message".</summary>
    public static async Task<IReadOnlyList<string>> LintAsync(string file, CancellationToken cancellationToken)
    {
        var result = await Tool.RunAsync(Repository.Bicep, ["lint", file, "--diagnostics-format", "sarif"], cancellationToken: cancellationToken);

        Assert.True(result.ExitCode == 0, $"bicep lint {file}: {result}");
        var sarif = JsonNode.Parse(result.Output)!;
        return
        [
            .. sarif["runs"]!.AsArray().SelectMany(run => run!["results"]!.AsArray()).Select(finding =>
            {
                var location = finding!["locations"]![0]!["physicalLocation"]!;
                return $"{location["artifactLocation"]!["uri"]}({location["region"]!["startLine"]}): {finding["ruleId"]}: {finding["message"]!["text"]}";
            }),
        ];
    }
}
