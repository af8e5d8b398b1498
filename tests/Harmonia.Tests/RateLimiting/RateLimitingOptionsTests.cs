using System.ComponentModel.DataAnnotations;
using Harmonia.Api.RateLimiting;

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
    public void AnEndpointPolicyNeedsAMethodAndARoutePattern()
    {
        var options = new RateLimitingOptions();
        options.Endpoints["jobs-create"].Route = "/jobs";

        Assert.Contains(Errors(options), error => error.StartsWith("Endpoints:jobs-create:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("user-route")]
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

    private static List<string> Errors(RateLimitingOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(result => result.ErrorMessage ?? "")];
    }
}
