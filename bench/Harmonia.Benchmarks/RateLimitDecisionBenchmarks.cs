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
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

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
    private ClaimsPrincipal[] _callers = [];
    private int _next;

    /// <summary>The two endpoints of the load benchmark.</summary>
    [Params("/users/{id:objectid}", "/library")]
    public string Route { get; set; } = "";

    /// <summary>What the user id is read from: the session the API's principal carries, or a principal's claims.</summary>
    public enum CallerPrincipal
    {
        Session,
        Claims,
    }

    [Params(CallerPrincipal.Session, CallerPrincipal.Claims)]
    public CallerPrincipal Principal { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
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
        _callers = await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => SignedInAsync(MongoDB.Bson.ObjectId.GenerateNewId().ToString(), Principal)));
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    /// <summary>A signed-in request that reached its endpoint, as the middleware sees it.</summary>
    [Benchmark(Baseline = true)]
    public HttpContext Request() => NextRequest();

    [Benchmark]
    public ValueTask<RateLimitDecision> Decision() => _limits.DecideForEndpointAsync(NextRequest());

    /// <summary>
    /// The claims of a real access token for <paramref name="userId"/>, as validating it yields them, in the principal the
    /// API gives a request whose token passed (<see cref="SessionPrincipal"/>) or in a plain one, read from its claims
    /// (<see cref="CallerPrincipal.Claims"/>).
    /// </summary>
    private static async Task<ClaimsPrincipal> SignedInAsync(string userId, CallerPrincipal kind)
    {
        var settings = new AuthOptions { SigningKey = new string('k', 64) };
        var sessionId = Guid.NewGuid().ToString("N");
        var (token, _) = new AccessTokens(Options.Create(settings), TimeProvider.System).Issue(userId, sessionId, []);
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(token, AccessTokens.ValidationParameters(settings));
        return kind is CallerPrincipal.Session
            ? new SessionPrincipal(validated.ClaimsIdentity, new SessionReference(userId, sessionId))
            : new ClaimsPrincipal(validated.ClaimsIdentity);
    }

    private DefaultHttpContext NextRequest()
    {
        var context = new DefaultHttpContext { User = _callers[_next++ % Callers] };
        context.Request.Method = HttpMethods.Get;
        context.SetEndpoint(_endpoint);
        return context;
    }
}
