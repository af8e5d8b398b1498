using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Harmonia.AppHost.Infrastructure.Local;
using Harmonia.AppHost.Infrastructure.MongoDB;

namespace Harmonia.Tests.AppHost;

/// <summary>What each infrastructure mode puts in the application model (built, never started).</summary>
public sealed class InfrastructureModelTests
{
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

    [Theory]
    [InlineData("Containers")]
    [InlineData("Local")]
    public async Task ServicesWaitForAndReferenceBothStores(string mode)
    {
        await using var appHost = await CreateAsync($"--Harmonia:Infrastructure:Mode={mode}");

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

    private static string Flatten(Exception exception) =>
        exception.InnerException is null ? exception.Message : $"{exception.Message} {Flatten(exception.InnerException)}";
}
