using Harmonia.Caching;
using Harmonia.DataStores;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Caching;

public sealed class DistributedCacheTimeoutValidationTests
{
    [Fact]
    public void TheShippedCacheTimeoutFitsTheShippedCommandTimeout() =>
        Assert.True(Validate(new HarmoniaCacheOptions(), new RedisClientOptions()).Succeeded);

    [Fact]
    public void ACacheTimeoutLongerThanTheCommandTimeoutFailsNamingBoth()
    {
        var cache = new HarmoniaCacheOptions { DistributedCacheTimeout = TimeSpan.FromSeconds(2) };

        var result = Validate(cache, new RedisClientOptions());

        Assert.True(result.Failed);
        Assert.Contains("Harmonia:Cache:DistributedCacheTimeout (00:00:02) cannot be longer than Harmonia:Redis:CommandTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validate(cache, new RedisClientOptions { CommandTimeout = TimeSpan.FromSeconds(2) }).Succeeded);
    }

    private static ValidateOptionsResult Validate(HarmoniaCacheOptions cache, RedisClientOptions client) =>
        new DistributedCacheTimeoutValidation(Options.Create(client)).Validate(null, cache);
}
