namespace Harmonia.DeployTests;

/// <summary>Every Bicep file azd provisions from compiles, and the linter with its default rules has nothing to say.</summary>
public sealed class BicepTests
{
    public static TheoryData<string> BicepFiles() =>
        [.. Directory.EnumerateFiles(Repository.Infra, "*.bicep", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(Repository.Root, path))];

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task BicepFileBuildsWithoutDiagnostics(string file)
    {
        var (template, diagnostics) = await BicepCli.BuildAsync(Path.Combine(Repository.Root, file), TestContext.Current.CancellationToken);

        Assert.Equal("", diagnostics);
        Assert.NotNull(template["resources"]);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task BicepFileLintsClean(string file)
    {
        var findings = await BicepCli.LintAsync(Path.Combine(Repository.Root, file), TestContext.Current.CancellationToken);

        Assert.Empty(findings);
    }
}
