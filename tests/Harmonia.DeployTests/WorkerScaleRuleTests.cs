using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Harmonia.AppHost.Infrastructure;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs;

namespace Harmonia.DeployTests;

/// <summary>
/// The worker scales on the job queue (KEDA rules on the Redis keys the code uses, with the worker's own settings)
/// between a minimum and a maximum that provisioning passes through; the scalers read the Redis the services use,
/// from Key Vault secrets provisioning writes; the API keeps its HTTP rule.
/// </summary>
public sealed partial class WorkerScaleRuleTests(DeploymentFixture deployment) : IClassFixture<DeploymentFixture>
{
    private static readonly JobQueueOptions Queue = new();

    private static readonly JobWorkerOptions Worker = new();

    public static TheoryData<string> Rules() => ["job-backlog", "jobs-running"];

    [Fact]
    public void BacklogRuleCountsTheWaitingUsersOfTheWorkersQueue()
    {
        var rule = Rule("job-backlog");

        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_REDIS_SCALER_TYPE"), (string)rule["type"]!);
        Assert.Equal(JobKeys.Turns(Queue.Queue).ToString(), (string)rule["metadata"]!["listName"]!);
    }

    [Fact]
    public void BacklogRuleAsksForAReplicaPerWaitingUsersThatFillAWorker()
    {
        // Each waiting user can use MaxRunningPerUser of a worker's Concurrency slots.
        var usersPerWorker = Worker.Concurrency / Queue.MaxRunningPerUser;

        Assert.Equal(0, Worker.Concurrency % Queue.MaxRunningPerUser);
        Assert.Equal(usersPerWorker.ToString(CultureInfo.InvariantCulture), (string)Rule("job-backlog")["metadata"]!["listLength"]!);
    }

    [Fact]
    public void RunningRuleKeepsAReplicaPerWorkersWorthOfJobsInProgress()
    {
        var rule = Rule("jobs-running");
        var metadata = rule["metadata"]!;

        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_REDIS_SCALER_TYPE") + "-streams", (string)rule["type"]!);
        Assert.Equal(JobKeys.Stream(Queue.Queue).ToString(), (string)metadata["stream"]!);
        Assert.Equal(JobKeys.ConsumerGroup, (string)metadata["consumerGroup"]!);
        Assert.Equal(Worker.Concurrency.ToString(CultureInfo.InvariantCulture), (string)metadata["pendingEntriesCount"]!);
    }

    [Theory]
    [MemberData(nameof(ManifestAgreementTests.Variants), MemberType = typeof(ManifestAgreementTests))]
    public void PublishedWorkerRunsWithTheQueueAndSettingsTheRulesAssume(PublishedRedis variant)
    {
        // The rules are written for the defaults; a setting the AppHost publishes would have to be mirrored in them.
        var settings = deployment.Manifests[variant].Environment("worker").Keys
            .Where(name => name.StartsWith(JobQueueOptions.SectionName.Replace(":", "__", StringComparison.Ordinal), StringComparison.Ordinal));

        Assert.Empty(settings);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void ScalerUsesTheScalerTypeAndTlsProvisioningChose(string name)
    {
        var rule = Rule(name);

        Assert.StartsWith(ContainerAppTemplate.Marker(".Env.AZURE_REDIS_SCALER_TYPE"), (string)rule["type"]!, StringComparison.Ordinal);
        Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_REDIS_SCALER_TLS"), (string)rule["metadata"]!["enableTLS"]!);
    }

    [Fact]
    public void ProvisioningChoosesTheClusterScalerWithTlsForAzureManagedRedis()
    {
        var outputs = deployment.RedisModule.Outputs;

        // Azure Managed Redis speaks the OSS cluster API over TLS only; the Redis container is one node in plain TCP.
        Assert.Equal("OSSCluster", (string)deployment.RedisModule.Resource("Microsoft.Cache/redisEnterprise/databases")["properties"]!["clusteringPolicy"]!);
        Assert.Equal("[if(variables('managed'), 'redis-cluster', 'redis')]", (string)outputs["scalerType"]!["value"]!);
        Assert.Equal("[if(variables('managed'), 'true', 'false')]", (string)outputs["scalerTls"]!["value"]!);
        Assert.Equal(["AZURE_REDIS_SCALER_TYPE", "AZURE_REDIS_SCALER_TLS"], deployment.MainOutputs.Select(output => output.Key).Where(key => key.StartsWith("AZURE_REDIS_SCALER_", StringComparison.Ordinal)));
        Assert.EndsWith(".outputs.scalerType.value]", (string)deployment.MainOutputs["AZURE_REDIS_SCALER_TYPE"]!["value"]!, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.scalerTls.value]", (string)deployment.MainOutputs["AZURE_REDIS_SCALER_TLS"]!["value"]!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void ScalerReadsTheRedisAddressAndPasswordFromKeyVaultSecretsProvisioningWrites(string name)
    {
        var template = ContainerAppTemplate.Load("worker");
        var auth = Rule(name)["auth"]!.AsArray().ToDictionary(entry => (string)entry!["triggerParameter"]!, entry => (string)entry!["secretRef"]!);

        // KEDA's single-node scalers read address, its cluster scalers addresses.
        Assert.Equal(new Dictionary<string, string> { ["address"] = "redis-address", ["addresses"] = "redis-address", ["password"] = "redis-password" }, auth);
        foreach (var secretName in auth.Values.Distinct())
        {
            var secret = template.Configuration["secrets"]!.AsArray().Single(entry => (string)entry!["name"]! == secretName)!;
            Assert.Equal(ContainerAppTemplate.Marker(".Env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"), (string)secret["identity"]!);
            Assert.Equal(secretName, KeyVaultSecretBehind((string)secret["keyVaultUrl"]!));
        }
    }

    [Fact]
    public void ScalerAddressAndPasswordAreThoseOfTheServicesConnectionString()
    {
        var connectionString = (string)deployment.RedisModule.KeyVaultSecret("connectionstrings--redis")["properties"]!["value"]!;

        foreach (var secretName in new[] { "redis-address", "redis-password" })
        {
            var value = ArmTemplate.Expression(deployment.RedisModule.KeyVaultSecret(secretName)["properties"]!["value"]!);
            Assert.Contains(value, connectionString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WorkerReplicasRangeBetweenTheMinimumAndMaximumProvisioningPassesOn()
    {
        var scale = Scale("worker");

        Assert.Equal(ContainerAppTemplate.Marker(".Env.HARMONIA_WORKER_MIN_REPLICAS"), (string)scale["minReplicas"]!);
        Assert.Equal(ContainerAppTemplate.Marker(".Env.HARMONIA_WORKER_MAX_REPLICAS"), (string)scale["maxReplicas"]!);
        Assert.Equal("[parameters('workerMinReplicas')]", (string)deployment.MainOutputs["HARMONIA_WORKER_MIN_REPLICAS"]!["value"]!);
        Assert.Equal("[parameters('workerMaxReplicas')]", (string)deployment.MainOutputs["HARMONIA_WORKER_MAX_REPLICAS"]!["value"]!);
    }

    [Fact]
    public void AtLeastOneWorkerRunsAndTheDefaultMinimumIsNoMoreThanTheDefaultMaximum()
    {
        var minimum = deployment.MainParameters["workerMinReplicas"]!;
        var maximum = deployment.MainParameters["workerMaxReplicas"]!;

        // One worker must stay: due retries, expired leases and the reconciler need a worker when no one waits.
        Assert.Equal(1, (int)minimum["minValue"]!);
        Assert.InRange((int)minimum["defaultValue"]!, 1, (int)maximum["defaultValue"]!);
        Assert.Equal($"${{HARMONIA_WORKER_MIN_REPLICAS={minimum["defaultValue"]}}}", (string)deployment.ParameterValues["workerMinReplicas"]!["value"]!);
        Assert.Equal($"${{HARMONIA_WORKER_MAX_REPLICAS={maximum["defaultValue"]}}}", (string)deployment.ParameterValues["workerMaxReplicas"]!["value"]!);
    }

    [Fact]
    public void ApiKeepsItsHttpRule()
    {
        var rule = Assert.Single(Scale("api")["rules"]!.AsArray())!;

        Assert.NotNull(rule["http"]!["metadata"]!["concurrentRequests"]);
        Assert.Null(rule["custom"]);
    }

    private static JsonObject Scale(string service) => ContainerAppTemplate.Load(service).Document["properties"]!["template"]!["scale"]!.AsObject();

    private static JsonObject Rule(string name) =>
        Scale("worker")["rules"]!.AsArray().Single(rule => (string)rule!["name"]! == name)!["custom"]!.AsObject();

    /// <summary>
    /// The Key Vault secret a template's <c>keyVaultUrl</c> points at: the main.bicep output it reads, the Redis module
    /// output that one passes on, and the secret whose URI that output is.
    /// </summary>
    private string KeyVaultSecretBehind(string keyVaultUrl)
    {
        var output = ModuleOutput().Match((string)deployment.MainOutputs[OutputMarker().Match(keyVaultUrl).Groups["output"].Value]!["value"]!).Groups["output"].Value;
        var secretName = SecretName().Match((string)deployment.RedisModule.Outputs[output]!["value"]!).Groups["secret"].Value;
        Assert.NotNull(deployment.RedisModule.KeyVaultSecret(secretName));
        return secretName;
    }

    [GeneratedRegex(@"^<<\.Env\.(?<output>\w+)>>$")]
    private static partial Regex OutputMarker();

    [GeneratedRegex(@"'redis'\), '[^']+'\)\.outputs\.(?<output>\w+)\.value\]$")]
    private static partial Regex ModuleOutput();

    [GeneratedRegex(@"^\[reference\(resourceId\('Microsoft\.KeyVault/vaults/secrets', parameters\('keyVaultName'\), '(?<secret>[\w-]+)'\), '[^']+'\)\.secretUri\]$")]
    private static partial Regex SecretName();
}
