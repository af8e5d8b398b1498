using System.Security.Claims;
using Harmonia.Api.Auth;

namespace Harmonia.Tests.Auth;

/// <summary>
/// Who a request is made by: a signed-in request's principal carries its session, read from the token's claims once;
/// any other principal (another scheme's, a rewritten one) is still read from its claims, and an anonymous one has no user.
/// </summary>
public sealed class SessionPrincipalTests
{
    [Fact]
    public void ASessionPrincipalNamesTheUserAndSessionOfItsToken()
    {
        var identity = new ClaimsIdentity([new Claim(AccessTokens.UserIdClaim, "user-1"), new Claim(AccessTokens.SessionIdClaim, "session-1")], "Bearer");
        var principal = new SessionPrincipal(identity, new SessionReference("user-1", "session-1"));

        Assert.Equal("user-1", principal.FindUserId());
        Assert.Equal("user-1", principal.GetUserId());
        Assert.Equal("session-1", principal.GetSessionId());
        Assert.Same(identity, principal.Identity);
    }

    [Fact]
    public void AnyOtherPrincipalIsReadFromItsClaims()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(AccessTokens.UserIdClaim, "user-2"), new Claim(AccessTokens.SessionIdClaim, "session-2")], "Bearer"));

        Assert.Equal("user-2", principal.FindUserId());
        Assert.Equal("session-2", principal.GetSessionId());
    }

    [Fact]
    public void AnAnonymousPrincipalHasNoUser()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.Null(anonymous.FindUserId());
        Assert.Throws<InvalidOperationException>(() => anonymous.GetUserId());
    }
}
