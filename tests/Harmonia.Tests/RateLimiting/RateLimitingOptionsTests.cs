using System.ComponentModel.DataAnnotations;
using Harmonia.Api.RateLimiting;
using Harmonia.DataStores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.RateLimiting;

/// <summary>Settings that would make the limits or their header fields wrong stop the API at start.</summary>
public sealed class RateLimitingOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid() => Assert.Empty(Errors(new RateLimitingOptions()));

    [Fact]
    public void AWindowMustBeWholeSecondsBecauseHeadersStateItInSeconds()
    {
        var options = new RateLimitingOptions { SignedIn = new RateLimitQuota { Limit = 10, Window = TimeSpan.FromMilliseconds(1500) } };

        Assert.Contains(Errors(options), error => error.StartsWith("SignedIn:", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDailyMailCeilingIsValidatedLikeEveryQuota()
    {
        var options = new RateLimitingOptions { AccountMailDaily = new RateLimitQuota { Limit = 0, Window = TimeSpan.FromDays(2) } };

        Assert.Equal(2, Errors(options).Count(error => error.StartsWith("AccountMailDaily:", StringComparison.Ordinal)));
    }

    [Fact]
    public void AnEndpointPolicyNeedsAMethodAndARoutePattern()
    {
        var options = new RateLimitingOptions();
        options.Endpoints["jobs-create"].Route = "/jobs";

        Assert.Contains(Errors(options), error => error.StartsWith("Endpoints:jobs-create:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("user-route")]
    [InlineData("account-mail-daily")]
    [InlineData("Has Spaces")]
    [InlineData("quote\"d")]
    public void AnEndpointPolicyNameMustBeAFreeHeaderToken(string name)
    {
        var options = new RateLimitingOptions();
        options.Endpoints[name] = new EndpointQuota { Route = "GET /songs", Limit = 10, Window = TimeSpan.FromMinutes(1) };

        Assert.Contains(Errors(options), error => error.Contains($"'{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public void TwoPoliciesCannotClaimOneEndpoint()
    {
        var options = new RateLimitingOptions();
        options.Endpoints["jobs-burst"] = new EndpointQuota { Route = "POST /jobs", Limit = 3, Window = TimeSpan.FromSeconds(10) };

        Assert.Contains(Errors(options), error => error.Contains("POST /jobs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADecisionCannotWaitForRedisLongerThanTheRedisClientLetsACommandTake()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Harmonia:RateLimiting:RedisTimeout"] = "00:00:02" }));

        Assert.Contains("Harmonia:RateLimiting:RedisTimeout (00:00:02) cannot be longer than Harmonia:Redis:CommandTimeout (00:00:00.5000000)", error.Message, StringComparison.Ordinal);
        await StartAsync(new() { ["Harmonia:RateLimiting:RedisTimeout"] = "00:00:02", ["Harmonia:Redis:CommandTimeout"] = "00:00:02" });
    }

    /// <summary>Starts and stops an app with rate limiting composed as the API composes it, under <paramref name="settings"/>.</summary>
    private static async Task StartAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRateLimits();
        // Bound as AddHarmoniaDataStores binds it, without the clients that would connect at start.
        builder.Services.AddOptions<RedisClientOptions>().BindConfiguration(RedisClientOptions.SectionName);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static List<string> Errors(RateLimitingOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(result => result.ErrorMessage ?? "")];
    }
}
