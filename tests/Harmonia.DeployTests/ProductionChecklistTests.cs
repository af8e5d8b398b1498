namespace Harmonia.DeployTests;

/// <summary>
/// Items of docs/operations.md's production checklist that no other test enforces yet. (TLS, eviction and persistence
/// of Azure Managed Redis are <see cref="RedisDeploymentTests"/>'; secret references are <see cref="ManifestAgreementTests"/>'.)
/// </summary>
public sealed class ProductionChecklistTests(DeploymentFixture deployment) : IClassFixture<DeploymentFixture>
{
    /// <summary>The original design's minimum for the Redis password.</summary>
    private const int MinimumRedisPasswordLength = 32;

    [Fact]
    public void RedisPasswordIsGeneratedWithAtLeast32Characters()
    {
        var generate = deployment.MainParameters["redis_password"]!["metadata"]!["azd"]!;

        Assert.Equal("generate", (string)generate["type"]!);
        Assert.True((int)generate["config"]!["length"]! >= MinimumRedisPasswordLength, $"azd generates {generate["config"]} for redis_password");
        Assert.True((bool)generate["config"]!["noSpecial"]!);
    }
}
