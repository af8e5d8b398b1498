using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Harmonia.Api.Auth;

/// <summary>
/// A well-signed token is only as good as its session: after the signature and lifetime checks, every request's
/// session is looked up (<see cref="SessionValidator"/>, from memory on most requests), so a revoked session's
/// tokens stop working at once rather than at their expiry.
/// </summary>
internal sealed class ActiveSessionEvents(SessionValidator sessions, SessionActivityRecorder activity) : JwtBearerEvents
{
    public override async Task TokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var userId = principal.FindFirst(AccessTokens.UserIdClaim)?.Value;
        var sessionId = principal.FindFirst(AccessTokens.SessionIdClaim)?.Value;
        if (userId is null || sessionId is null || !await sessions.IsActiveAsync(userId, sessionId, context.HttpContext.RequestAborted))
        {
            context.Fail("The session has ended.");
            return;
        }

        activity.Touch(sessionId);
    }
}
