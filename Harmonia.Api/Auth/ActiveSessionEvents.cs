using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Harmonia.Api.Auth;

/// <summary>
/// A well-signed token is only as good as its session: after the signature and lifetime checks, every request's
/// session is looked up (<see cref="SessionValidator"/>, from memory on most requests), so a revoked session's
/// tokens stop working at once rather than at their expiry.
/// </summary>
/// <remarks>
/// A token this replica already validated and still remembers (<see cref="RememberingAccessTokenHandler"/>) is
/// answered when the request arrives (<see cref="MessageReceived"/>, the JWT bearer handler's hook for finding and
/// deciding a token), with the same session check: the handler would only copy its validation parameters, cut the
/// token out of the header and look the token up again to reach the same claims, and that was a third of what an
/// authenticated request allocated after the token itself was remembered. Any other token goes the handler's full
/// way: parsed, signature, issuer, audience and lifetime checked, then <see cref="TokenValidated"/>.
/// </remarks>
internal sealed class ActiveSessionEvents(
    SessionValidator sessions,
    SessionActivityRecorder activity,
    RememberingAccessTokenHandler tokens) : JwtBearerEvents
{
    private const string Bearer = "Bearer ";
    private const string SessionEnded = "The session has ended.";

    public override async Task MessageReceived(MessageReceivedContext context)
    {
        if (Recall(context.Request) is not { } remembered)
        {
            return;
        }

        if (await IsActiveAsync(context, remembered.Session))
        {
            context.Principal = new SessionPrincipal(remembered.Identity, remembered.Session);
            context.Success();
        }
    }

    public override async Task TokenValidated(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var userId = principal.FindFirst(AccessTokens.UserIdClaim)?.Value;
        var sessionId = principal.FindFirst(AccessTokens.SessionIdClaim)?.Value;
        if (userId is null || sessionId is null)
        {
            context.Fail(SessionEnded);
            return;
        }

        var session = new SessionReference(userId, sessionId);
        if (await IsActiveAsync(context, session))
        {
            context.Principal = new SessionPrincipal(principal.Identities, session);
        }
    }

    /// <summary>Fails the request unless its session is active; an active one is noted as used.</summary>
    private async ValueTask<bool> IsActiveAsync(ResultContext<JwtBearerOptions> context, SessionReference session)
    {
        if (!await sessions.IsActiveAsync(session, context.HttpContext.RequestAborted))
        {
            context.Fail(SessionEnded);
            return false;
        }

        activity.Touch(session.SessionId);
        return true;
    }

    /// <summary>The remembered token the request carries, read as the handler reads it: one <c>Authorization: Bearer</c> header, trimmed.</summary>
    private RememberedAccessToken? Recall(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } header || !header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return tokens.TryRecall(header.AsSpan(Bearer.Length).Trim(), out var remembered) ? remembered : null;
    }
}
