using System.Text.Json.Nodes;
using Harmonia.AppHost.Infrastructure;

namespace Harmonia.DeployTests;

/// <summary>
/// The Redis the services use reaches them as one Key Vault secret that provisioning writes, whichever Redis is
/// published; Azure Managed Redis is a cluster reached over TLS, configured as the AppHost configures its own Redis.
/// </summary>
public sealed class RedisDeploymentTests(DeploymentFixture deployment) : IClassFixture<DeploymentFixture>
{
    private const string SecretName = "connectionstrings--redis";
    private const string KeyVaultSecretsUserRole = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string DatabaseType = "Microsoft.Cache/redisEnterprise/databases";

    public static TheoryData<string> Services() => ["api", "worker"];

    [Fact]
    public void OnlyTheContainerVariantPublishesARedisContainerAndItsPassword()
    {
        var container = deployment.Manifests[PublishedRedis.Container];
        var managed = deployment.Manifests[PublishedRedis.AzureManagedRedis];

        Assert.Equal("container.v0", container.Type("redis"));
        Assert.Contains("redis-password", container.Parameters);
        Assert.Equal("value.v0", managed.Type("redis"));
        Assert.DoesNotContain("redis", managed.Deployed);
        Assert.DoesNotContain("redis-password", managed.Parameters);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void ServiceReadsTheRedisConnectionStringFromTheKeyVaultSecretProvisioningWrites(string service)
    {
        var template = ContainerAppTemplate.Load(service);

        var secret = template.Configuration["secrets"]!.AsArray().Single(entry => (string)entry!["name"]! == SecretName)!;
        var variable = template.Env.Single(entry => (string)entry["name"]! == "ConnectionStrings__redis");

        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_REDIS_CONNECTION_STRING_URI"), (string)secret["keyVaultUrl"]!);
        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"), (string)secret["identity"]!);
        Assert.Null(secret["value"]);
        Assert.Equal(SecretName, (string)variable["secretRef"]!);
        Assert.Contains("connectionStringSecretUri", (string)deployment.MainOutputs["AZURE_REDIS_CONNECTION_STRING_URI"]!["value"]!, StringComparison.Ordinal);
        Assert.NotNull(deployment.RedisModule.KeyVaultSecret(SecretName)["properties"]!["value"]);
    }

    [Fact]
    public void ManagedManifestNamesTheKeyVaultSecretForItsConnectionString() =>
        Assert.Equal(SecretName, (string)deployment.Manifests[PublishedRedis.AzureManagedRedis]["redis"]["connectionString"]!);

    [Fact]
    public void ContainerConnectionStringInKeyVaultIsBuiltFromTheRedisPassword()
    {
        var value = (string)deployment.RedisModule.KeyVaultSecret(SecretName)["properties"]!["value"]!;

        // The manifest's connection string draws on redis-password; main.bicep passes redis_password as redisPassword.
        Assert.Equal(["redis-password"], deployment.Manifests[PublishedRedis.Container].ParametersIn("{redis.connectionString}"));
        Assert.Contains("format('{0},password={1}', if(variables('managed'), ", value, StringComparison.Ordinal);
        Assert.Contains("'redis:6379'), if(variables('managed'), ", value, StringComparison.Ordinal);
        Assert.EndsWith(".primaryKey, parameters('redisPassword'))))]", value, StringComparison.Ordinal);
    }

    [Fact]
    public void ServicesIdentityMayReadTheKeyVault()
    {
        var assignments = deployment.SharedResources.Resources("Microsoft.Authorization/roleAssignments");

        Assert.Contains(assignments, assignment =>
            ((string)assignment["scope"]!).Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal)
            && deployment.SharedResources.Variables.Any(variable => variable.Value!.ToString().Contains(KeyVaultSecretsUserRole, StringComparison.Ordinal)
                && ((string)assignment["properties"]!["roleDefinitionId"]!).Contains(variable.Key, StringComparison.Ordinal)));
        Assert.True((bool)deployment.SharedResources.Resource("Microsoft.KeyVault/vaults")["properties"]!["enableRbacAuthorization"]!);
    }

    [Fact]
    public void AzureManagedRedisIsAClusterReachedOverTlsWithAnAccessKey()
    {
        var cluster = deployment.RedisModule.Resource("Microsoft.Cache/redisEnterprise");
        var database = deployment.RedisModule.Resource(DatabaseType)["properties"]!;
        var connectionString = (string)deployment.RedisModule.KeyVaultSecret(SecretName)["properties"]!["value"]!;

        Assert.Equal("1.2", (string)cluster["properties"]!["minimumTlsVersion"]!);
        Assert.Equal("OSSCluster", (string)database["clusteringPolicy"]!);
        Assert.Equal("Encrypted", (string)database["clientProtocol"]!);
        Assert.Equal("Enabled", (string)database["accessKeysAuthentication"]!);
        Assert.Equal("[variables('managedRedisPort')]", (string)database["port"]!);
        Assert.StartsWith("[if(variables('managed'), format('{0},ssl=true,password={1}', if(variables('managed'), format('{0}:{1}', reference(", connectionString, StringComparison.Ordinal);
        Assert.Contains("'2025-07-01').hostName, variables('managedRedisPort')), 'redis:6379'), if(variables('managed'), listKeys(", connectionString, StringComparison.Ordinal);
    }

    [Fact]
    public void AzureManagedRedisEvictsAndPersistsAsTheAppHostsRedis()
    {
        var arguments = ((string)deployment.Manifests[PublishedRedis.Container]["redis"]["args"]!.AsArray()[^1]!).Split(' ');
        var database = deployment.RedisModule.Resource(DatabaseType)["properties"]!;

        var policy = arguments[Array.IndexOf(arguments, "--maxmemory-policy") + 1];

        // allkeys-lru is AllKeysLRU, volatile-lru VolatileLRU, noeviction NoEviction.
        Assert.Equal(policy.Replace("-", "", StringComparison.Ordinal), ((string)database["evictionPolicy"]!).ToLowerInvariant());
        Assert.Equal("no", arguments[Array.IndexOf(arguments, "--appendonly") + 1]);
        Assert.Equal("''", arguments[Array.IndexOf(arguments, "--save") + 1]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["aofEnabled"] = false, ["rdbEnabled"] = false }, database["persistence"]));
    }

    [Fact]
    public void MainBicepAndTheRedisModuleOfferExactlyTheAppHostsVariants()
    {
        IReadOnlyList<string> variants = Enum.GetNames<PublishedRedis>();

        Assert.Equal(variants, deployment.MainParameters["publishedRedis"]!["allowedValues"]!.AsArray().Select(value => (string)value!).ToList());
        Assert.Equal(nameof(PublishedRedis.Container), (string)deployment.MainParameters["publishedRedis"]!["defaultValue"]!);
        Assert.Equal(variants, deployment.RedisModule.AllowedValues("publishedRedis"));
    }
}
