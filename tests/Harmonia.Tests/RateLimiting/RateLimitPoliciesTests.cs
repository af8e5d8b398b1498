using Harmonia.Api.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.RateLimiting;

/// <summary>Which policy and which count a request falls under.</summary>
public sealed class RateLimitPoliciesTests
{
    private readonly RateLimitPolicies _policies = new(Options.Create(new RateLimitingOptions()));

    [Fact]
    public void ARouteIsTheMethodAndPatternNeverThePath() =>
        Assert.Equal("GET:/users/{id}", _policies.RouteOf(Endpoint("/users/{id}", "GET"), "get"));

    [Fact]
    public void RequestsThatReachedNoEndpointShareOneRoute() =>
        Assert.Equal(RateLimitPolicies.UnmatchedRoute, _policies.RouteOf(null, "GET"));

    [Theory]
    [InlineData("/jobs")]
    [InlineData("/jobs/")]
    public void AnEndpointPolicyAppliesByRoutePatternHoweverTheGroupWasMapped(string pattern)
    {
        var route = _policies.RouteOf(Endpoint(pattern, "POST"), "POST");

        Assert.Equal("jobs-create", _policies.For(route, signedIn: true).Name);
    }

    [Fact]
    public void OtherEndpointsFallUnderTheCallersDefault()
    {
        var route = _policies.RouteOf(Endpoint("/users/me", "GET"), "GET");

        Assert.Equal("user-route", _policies.For(route, signedIn: true).Name);
        Assert.Equal("ip-route", _policies.For(route, signedIn: false).Name);
    }

    [Fact]
    public void HeadCountsAsGetOnAnEndpointThatAnswersBoth()
    {
        var endpoint = Endpoint("/songs/{id}/audio", "GET", "HEAD");

        Assert.Equal(_policies.RouteOf(endpoint, "GET"), _policies.RouteOf(endpoint, "HEAD"));
    }

    [Fact]
    public void APolicyIsAdvertisedAsDraftElevenQuotaPolicyItem() =>
        Assert.Equal("\"user-route\";q=100;w=60", _policies.SignedIn.HeaderItem);

    private static RouteEndpoint Endpoint(string pattern, params string[] methods) =>
        new(_ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), 0, new EndpointMetadataCollection(new HttpMethodMetadata(methods)), pattern);
}
