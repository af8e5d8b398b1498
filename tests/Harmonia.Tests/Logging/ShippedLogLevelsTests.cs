using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Harmonia.Tests.Logging;

/// <summary>
/// FusionCache 2.9 logs every cache call and its result at Information: six lines per authenticated API request.
/// The services' shipped settings keep its warnings and errors and drop those traces.
/// </summary>
public sealed class ShippedLogLevelsTests
{
    [Theory]
    [InlineData("Harmonia.Api")]
    [InlineData("Harmonia.Worker")]
    public void FusionCacheLogsWarningsButNotEachCacheCall(string service)
    {
        using var loggers = LoggersConfiguredAs(service);

        var fusionCache = loggers.CreateLogger("ZiggyCreatures.Caching.Fusion.FusionCache");

        Assert.False(fusionCache.IsEnabled(LogLevel.Information));
        Assert.True(fusionCache.IsEnabled(LogLevel.Warning));
    }

    private static ILoggerFactory LoggersConfiguredAs(string service)
    {
        var root = typeof(ShippedLogLevelsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, service, "appsettings.json")).Build();
        return LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole());
    }
}
