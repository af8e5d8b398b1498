using System.Text.Json.Nodes;

namespace Harmonia.IntegrationTests;

public sealed class ManifestTests
{
    [Fact]
    public async Task PublishedManifestHoldsContainersAndProjectsButNoExecutables()
    {
        var manifest = await PublishManifestAsync();

        var types = manifest["resources"]!.AsObject().ToDictionary(r => r.Key, r => (string)r.Value!["type"]!);
        Assert.DoesNotContain(types.Values, type => type.StartsWith("executable", StringComparison.Ordinal));
        Assert.Equal("container.v0", types["redis"]);
        Assert.Equal("parameter.v0", types["harmonia"]);
        Assert.Equal("project.v0", types["api"]);
        Assert.Equal("project.v0", types["worker"]);
        Assert.DoesNotContain("mongo", types.Keys);
    }

    [Fact]
    public async Task PublishedMongoConnectionStringIsASecretParameter()
    {
        var manifest = await PublishManifestAsync();

        var harmonia = manifest["resources"]!["harmonia"]!;
        Assert.Equal("{harmonia.value}", (string)harmonia["connectionString"]!);
        Assert.True((bool)harmonia["inputs"]!["value"]!["secret"]!);
    }

    [Theory]
    [InlineData("--Harmonia:Infrastructure:Mode=Local")]
    [InlineData("--Harmonia:Infrastructure:RedisTopology=Cluster")]
    public async Task PublishingRefusesWhatRunsOnThisMachine(string setting)
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory().FullName, "manifest.json");
        using var appHost = AppHostProcess.Start("--publisher", "manifest", "--output-path", output, setting);

        var (exitCode, log) = await appHost.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("cannot be published", log, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    private static async Task<JsonNode> PublishManifestAsync()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory().FullName, "manifest.json");
        using var appHost = AppHostProcess.Start("--publisher", "manifest", "--output-path", output);

        var (exitCode, log) = await appHost.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, log);
        return JsonNode.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken))!;
    }
}
