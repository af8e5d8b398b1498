using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Harmonia.Api.Auth;
using Harmonia.Api.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Harmonia.Benchmarks;

/// <summary>
/// The rate-limit decision the API makes before every request (<see cref="RateLimitService.DecideForEndpointAsync"/>),
/// for signed-in callers on the load benchmark's two endpoints, against the redis-server bench/micro.sh started. Each caller is
/// busy, so after its first requests every decision comes from the lease its replica holds, and once a lease
/// duration a renewal goes to Redis beside a request, as in the load benchmark (docs/rate-limiting.md). The baseline
/// only builds the request, so the difference between the two is what deciding costs a request: issue 21's goal 1
/// from below.
/// </summary>
public class RateLimitDecisionBenchmarks
{
    /// <summary>Enough callers that none of them exhausts its quota (a million a minute) during a run.</summary>
    private const int Callers = 64;

    private IHost _host = null!;
    private RateLimitService _limits = null!;
    private Endpoint _endpoint = null!;
    private SessionPrincipal[] _callers = [];
    private int _next;

    /// <summary>The two endpoints of the load benchmark.</summary>
    [Params("/users/{id:objectid}", "/library")]
    public string Route { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var builder = BenchServers.CreateBuilder("micro-limits", new Dictionary<string, string?>
        {
            ["Harmonia:RateLimiting:KeyPrefix"] = $"micro-{Guid.NewGuid():N}",
            ["Harmonia:RateLimiting:SignedIn:Limit"] = "1000000",
        });
        builder.AddRateLimits();
        _host = builder.Build();
        _limits = _host.Services.GetRequiredService<RateLimitService>();
        _endpoint = new RouteEndpoint(
            _ => Task.CompletedTask,
            RoutePatternFactory.Parse(Route),
            order: 0,
            new EndpointMetadataCollection(new AuthorizeAttribute(), new HttpMethodMetadata(["GET"])),
            Route);
        _callers = [.. Enumerable.Range(0, Callers).Select(_ => SignedIn(MongoDB.Bson.ObjectId.GenerateNewId().ToString()))];
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    /// <summary>A signed-in request that reached its endpoint, as the middleware sees it.</summary>
    [Benchmark(Baseline = true)]
    public HttpContext Request() => NextRequest();

    [Benchmark]
    public ValueTask<RateLimitDecision> Decision() => _limits.DecideForEndpointAsync(NextRequest());

    /// <summary>The principal the API gives a request whose access token passed (<see cref="SessionPrincipal"/>).</summary>
    private static SessionPrincipal SignedIn(string userId)
    {
        var sessionId = Guid.NewGuid().ToString("N");
        var identity = new ClaimsIdentity([new Claim(AccessTokens.UserIdClaim, userId), new Claim(AccessTokens.SessionIdClaim, sessionId)], "Bearer");
        return new SessionPrincipal(identity, new SessionReference(userId, sessionId));
    }

    private DefaultHttpContext NextRequest()
    {
        var context = new DefaultHttpContext { User = _callers[_next++ % Callers] };
        context.Request.Method = HttpMethods.Get;
        context.SetEndpoint(_endpoint);
        return context;
    }
}
