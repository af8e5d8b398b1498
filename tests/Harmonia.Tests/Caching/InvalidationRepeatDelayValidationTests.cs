using Harmonia.Caching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Caching;

public sealed class InvalidationRepeatDelayValidationTests
{
    [Fact]
    public void TheShippedDelayOutlastsTheSlowestShippedRead() =>
        Assert.True(Validate(new HarmoniaCacheOptions(), new CacheAreaOptions()).Succeeded);

    [Fact]
    public void ADelayNoLongerThanAnAreasHardTimeoutPlusARedisWriteFailsNamingTheArea()
    {
        var cache = new HarmoniaCacheOptions { InvalidationRepeatDelay = TimeSpan.FromSeconds(3.5) };

        var result = Validate(cache, new CacheAreaOptions { FactoryHardTimeout = TimeSpan.FromSeconds(3) });

        Assert.True(result.Failed);
        Assert.Contains("the profile area's", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ALongerRedisTimeoutNeedsALongerDelay()
    {
        var cache = new HarmoniaCacheOptions { DistributedCacheTimeout = TimeSpan.FromSeconds(5) };

        Assert.True(Validate(cache, new CacheAreaOptions()).Failed);
        cache.InvalidationRepeatDelay = TimeSpan.FromSeconds(10);
        Assert.True(Validate(cache, new CacheAreaOptions()).Succeeded);
    }

    [Fact]
    public async Task AnAppWhoseDelayIsTooShortDoesNotStart()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Harmonia:Cache:InvalidationRepeatDelay"] = "00:00:02" });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddHarmoniaCache();
        builder.Services.AddCacheArea("profile", "cache:user:", _ => { });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("the profile area's", error.Message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(HarmoniaCacheOptions cache, CacheAreaOptions area) =>
        new InvalidationRepeatDelayValidation(Options.Create(cache)).Validate("profile", area);
}
