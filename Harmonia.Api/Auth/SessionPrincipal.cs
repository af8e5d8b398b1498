using System.Security.Claims;

namespace Harmonia.Api.Auth;

/// <summary>
/// The principal of a request whose access token passed, with the session its claims name read from them once:
/// the rate limiter and the endpoints ask for the user id on every request, and searching the claims for it cost
/// about as much as the rate limiter's own decision (docs/benchmarks.md).
/// </summary>
public sealed class SessionPrincipal : ClaimsPrincipal
{
    public SessionPrincipal(ClaimsIdentity identity, SessionReference session) : base(identity) => Session = session;

    public SessionPrincipal(IEnumerable<ClaimsIdentity> identities, SessionReference session) : base(identities) => Session = session;

    public SessionReference Session { get; }
}
