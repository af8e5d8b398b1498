using System.Net;
using Harmonia.DataStores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Harmonia.Tests.DataStores;

/// <summary><c>Harmonia:Redis:CommandTimeout</c> is what the Redis client of every service is given.</summary>
public sealed class RedisCommandTimeoutTests
{
    [Fact]
    public void EveryRedisCommandFailsAfterHalfASecondUnlessSet()
    {
        var redis = ClientOptions([]);

        Assert.Equal((500, 500), (redis.AsyncTimeout, redis.SyncTimeout));
    }

    [Fact]
    public void ASetCommandTimeoutReachesTheClientAlongsideTheConnectionString()
    {
        var redis = ClientOptions(new() { ["Harmonia:Redis:CommandTimeout"] = "00:00:02" });

        Assert.Equal((2000, 2000), (redis.AsyncTimeout, redis.SyncTimeout));
        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(redis.EndPoints));
        Assert.Equal(("redis.test", 6380), (endpoint.Host, endpoint.Port));
    }

    [Fact]
    public void ACommandTimeoutOutsideItsRangeIsRefused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ClientOptions(new() { ["Harmonia:Redis:CommandTimeout"] = "00:00:00.010" }));

        Assert.Contains("CommandTimeout", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The client's settings as a service composed by <c>AddHarmoniaDataStores</c> gets them; nothing connects.</summary>
    private static ConfigurationOptions ClientOptions(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = "redis.test:6380",
            ["ConnectionStrings:harmonia"] = "mongodb://mongo.test:27017/harmonia",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddHarmoniaDataStores();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;
    }
}
