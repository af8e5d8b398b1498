using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Harmonia.AppHost.Infrastructure;
using Harmonia.AppHost.Infrastructure.Local;
using Harmonia.AppHost.Infrastructure.Mail;
using Harmonia.AppHost.Infrastructure.MongoDB;

namespace Harmonia.Tests.AppHost;

/// <summary>What each infrastructure mode puts in the application model (built, never started).</summary>
public sealed class InfrastructureModelTests
{
    private static readonly string[] ClusterNodes = ["redis-1", "redis-2", "redis-3"];

    [Fact]
    public async Task ContainersModeRunsRedisAndPinnedMongoImages()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Containers");

        var redis = Assert.IsType<RedisResource>(Resource(appHost, "redis"));
        var mongo = Assert.IsType<MongoDBServerResource>(Resource(appHost, "mongo"));
        Assert.True(redis.TryGetLastAnnotation<ContainerImageAnnotation>(out _));
        Assert.True(mongo.TryGetLastAnnotation<ContainerImageAnnotation>(out var image));
        Assert.Equal("library/mongo", image.Image);
        Assert.StartsWith("8.", image.Tag, StringComparison.Ordinal);
        Assert.Contains(mongo.Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Target == "/data/db");
    }

    [Fact]
    public async Task ContainerMongoConnectionStringAuthenticatesAgainstAdmin()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Containers");

        var database = Assert.IsType<MongoDBDatabaseResource>(Resource(appHost, "harmonia"));

        Assert.Same(Resource(appHost, "mongo"), database.Parent);
        Assert.Matches(
            @"^mongodb://admin:\{.+\}@\{mongo\.bindings\.tcp\.host\}:\{mongo\.bindings\.tcp\.port\}/harmonia\?authSource=admin&authMechanism=SCRAM-SHA-256$",
            database.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task LocalModeRunsRedisAndMongoAsLocalProcesses()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Local");

        var redis = Assert.IsType<LocalRedisResource>(Resource(appHost, "redis"));
        var mongo = Assert.IsType<MongoWireServerResource>(Resource(appHost, "mongo"));
        var database = Assert.IsType<MongoDBDatabaseResource>(Resource(appHost, "harmonia"));
        Assert.EndsWith("redis-server", redis.Command, StringComparison.Ordinal);
        Assert.EndsWith("jongodb", mongo.Command, StringComparison.Ordinal);
        Assert.Same(mongo, database.Parent);
        Assert.Contains("serverMonitoringMode=poll", database.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalClusterTopologyRunsThreeNodesAndTheStepThatJoinsThem()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Local", "--Harmonia:Infrastructure:RedisTopology=Cluster");

        var redis = Assert.IsType<LocalRedisClusterResource>(Resource(appHost, "redis"));
        var nodes = ClusterNodes.Select(name => Assert.IsType<ExecutableResource>(Resource(appHost, name))).ToList();
        var create = Assert.IsType<ExecutableResource>(Resource(appHost, "redis-create"));
        Assert.All(nodes, node => Assert.EndsWith("redis-server", node.Command, StringComparison.Ordinal));
        Assert.All(nodes, node => Assert.All(node.Annotations.OfType<EndpointAnnotation>(), endpoint => Assert.False(endpoint.IsProxied)));
        Assert.EndsWith("redis-cli", create.Command, StringComparison.Ordinal);
        Assert.Equal(nodes.Select(node => node.Name), create.Annotations.OfType<WaitAnnotation>().Select(wait => wait.Resource.Name));
        Assert.Equal(3, redis.Nodes.Count);
        Assert.Matches(
            @"^127\.0\.0\.1:\{redis-1\.bindings\.tcp\.port\},127\.0\.0\.1:\{redis-2\.bindings\.tcp\.port\},127\.0\.0\.1:\{redis-3\.bindings\.tcp\.port\},password=\{redis-password\.value\}$",
            redis.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task ContainersModeRefusesTheClusterTopologyNamingWhatToDoInstead()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(
            "--Harmonia:Infrastructure:Mode=Containers",
            "--Harmonia:Infrastructure:RedisTopology=Cluster"));

        Assert.Contains("Mode=Local", Flatten(failure), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExistingModeTakesAClusterConnectionStringAsIs()
    {
        await using var appHost = await CreateAsync(
            "--Harmonia:Infrastructure:Mode=Existing",
            "--Harmonia:Infrastructure:RedisTopology=Cluster",
            "--ConnectionStrings:redis=10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379,password=secret",
            "--ConnectionStrings:harmonia=mongodb://localhost:27017/harmonia");

        var redis = Assert.IsAssignableFrom<IResourceWithConnectionString>(Resource(appHost, "redis"));

        Assert.Equal("10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379,password=secret", await redis.GetConnectionStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ExistingModeTakesConnectionStringsAndRunsNoInfrastructure()
    {
        await using var appHost = await CreateAsync(
            "--Harmonia:Infrastructure:Mode=Existing",
            "--ConnectionStrings:redis=localhost:6379",
            "--ConnectionStrings:harmonia=mongodb://localhost:27017/harmonia");

        Assert.IsAssignableFrom<ParameterResource>(Resource(appHost, "redis"));
        Assert.IsAssignableFrom<ParameterResource>(Resource(appHost, "harmonia"));
        Assert.DoesNotContain(appHost.Resources, resource => resource.Name == "mongo");
        Assert.DoesNotContain(appHost.Resources, resource => resource is ContainerResource or LocalRedisResource or MongoWireServerResource);
    }

    [Fact]
    public async Task MissingLocalBinaryFailsAtOnceNamingTheInstallStep()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(
            "--Harmonia:Infrastructure:Mode=Local",
            "--Harmonia:Infrastructure:RedisServerPath=/nonexistent/redis-server"));

        Assert.Contains("apt-get install -y redis-server", Flatten(failure), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainersModeRunsSmtp4devWithItsUiAtTheFixedPort()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Containers");

        var mail = Assert.IsType<MailServerContainerResource>(Resource(appHost, "mail"));
        Assert.True(mail.TryGetLastAnnotation<ContainerImageAnnotation>(out var image));
        Assert.Equal("rnwood/smtp4dev", image.Image);
        Assert.Equal(InfrastructureOptions.DefaultMailUiPort, Endpoint(mail, IMailServerResource.UiEndpointName).Port);
        Assert.Equal(25, Endpoint(mail, IMailServerResource.SmtpEndpointName).TargetPort);
    }

    [Fact]
    public async Task LocalModeRunsSmtp4devAsALocalProcessAndTheUiPortCanBeAllocatedPerRun()
    {
        await using var fixedPort = await CreateAsync("--Harmonia:Infrastructure:Mode=Local");
        await using var allocated = await CreateAsync("--Harmonia:Infrastructure:Mode=Local", "--Harmonia:Infrastructure:MailUiPort=0");

        var mail = Assert.IsType<LocalMailServerResource>(Resource(fixedPort, "mail"));
        Assert.EndsWith("smtp4dev", mail.Command, StringComparison.Ordinal);
        Assert.Equal("Endpoint=smtp://{mail.bindings.smtp.host}:{mail.bindings.smtp.port}", ((IResourceWithConnectionString)mail).ConnectionStringExpression.ValueExpression);
        Assert.Equal(InfrastructureOptions.DefaultMailUiPort, Endpoint(mail, IMailServerResource.UiEndpointName).Port);
        Assert.Null(Endpoint(Resource(allocated, "mail"), IMailServerResource.UiEndpointName).Port);
    }

    [Fact]
    public async Task ExistingModeTakesTheMailConnectionString()
    {
        await using var appHost = await CreateAsync("--Harmonia:Infrastructure:Mode=Existing", "--ConnectionStrings:mail=Endpoint=smtp://localhost:25");

        Assert.IsAssignableFrom<ParameterResource>(Resource(appHost, "mail"));
    }

    [Theory]
    [InlineData("Containers")]
    [InlineData("Local")]
    public async Task OnlyTheWorkerReferencesTheMailServer(string mode)
    {
        await using var appHost = await CreateAsync($"--Harmonia:Infrastructure:Mode={mode}");

        var worker = Assert.IsType<ProjectResource>(Resource(appHost, "worker"));
        var api = Assert.IsType<ProjectResource>(Resource(appHost, "api"));
        Assert.Contains(worker.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource.Name == "mail");
        Assert.DoesNotContain(api.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource.Name == "mail");
    }

    [Theory]
    [InlineData("Containers", "Standalone")]
    [InlineData("Local", "Standalone")]
    [InlineData("Local", "Cluster")]
    public async Task ServicesWaitForAndReferenceBothStores(string mode, string redisTopology)
    {
        await using var appHost = await CreateAsync($"--Harmonia:Infrastructure:Mode={mode}", $"--Harmonia:Infrastructure:RedisTopology={redisTopology}");

        foreach (var service in new[] { "api", "worker" })
        {
            var project = Assert.IsType<ProjectResource>(Resource(appHost, service));
            var waitsFor = project.Annotations.OfType<WaitAnnotation>().Select(wait => wait.Resource.Name).ToList();
            Assert.Contains("redis", waitsFor);
            Assert.Contains("harmonia", waitsFor);
            Assert.Contains(project.Annotations.OfType<HealthCheckAnnotation>(), check => check.Key.Contains("http", StringComparison.Ordinal));
        }
    }

    private static Task<IDistributedApplicationTestingBuilder> CreateAsync(params string[] arguments) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.Harmonia_AppHost>(arguments, TestContext.Current.CancellationToken);

    private static IResource Resource(IDistributedApplicationTestingBuilder appHost, string name) =>
        appHost.Resources.Single(resource => resource.Name == name);

    private static EndpointAnnotation Endpoint(IResource resource, string name) =>
        resource.Annotations.OfType<EndpointAnnotation>().Single(endpoint => endpoint.Name == name);

    private static string Flatten(Exception exception) =>
        exception.InnerException is null ? exception.Message : $"{exception.Message} {Flatten(exception.InnerException)}";
}
