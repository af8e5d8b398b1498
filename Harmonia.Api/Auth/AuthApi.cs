using System.Security.Claims;
using Harmonia.Api.Accounts;
using Harmonia.Api.Http;
using Harmonia.Api.RateLimiting;
using Harmonia.Api.Users;
using Harmonia.DataStores;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

public static class AuthApi
{
    private const int MaximumDeviceLength = 200;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Auth").WithSecurityHeadersPolicy(ApiDefaults.CredentialsHeaders);

        auth.MapPost("/register", RegisterAsync).WithSummary("Create an account and mail a verification code")
            .RequireMailRateLimits((RegisterRequest request) => AccountsApi.Account(request.Email))
            .RequirePasswordHashing();
        auth.MapPost("/login", LoginAsync).WithSummary("Sign in and start a session")
            .RequireAccountRateLimit((LoginRequest request) => request.Email is null ? null : EmailAddress.Normalize(request.Email))
            .RequirePasswordHashing();
        auth.MapPost("/refresh", RefreshAsync).WithSummary("Exchange a refresh token for a new token pair");

        var signedIn = auth.MapGroup("").RequireAuthorization();
        signedIn.MapPost("/logout", LogoutAsync).WithSummary("End the current session");
        signedIn.MapPost("/logout-all", LogoutAllAsync).WithSummary("End every session of the user");
        signedIn.MapGet("/sessions", ListSessionsAsync).WithSummary("List the user's active sessions");
        signedIn.MapDelete("/sessions/{id:objectid}", EndSessionAsync).WithSummary("End one of the user's sessions");
        signedIn.MapPost("/password", ChangePasswordAsync).WithSummary("Change the password and end every other session")
            .RequireAccountRateLimit(SignedInAccountAsync)
            .RequirePasswordHashing();

        return app;
    }

    /// <summary>The same 202 whether or not the address has an account: only its owner learns which, by mail.</summary>
    private static async Task<Accepted<MailAcceptedResponse>> RegisterAsync(
        RegisterRequest request, AccountService accounts, EmailVerification verification)
    {
        var user = await accounts.RegisterAsync(request);
        await verification.AfterRegistrationAsync(request.Email, user);
        return TypedResults.Accepted((string?)null, MailAcceptedResponse.Instance);
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, AccountService accounts, HttpContext context)
    {
        var tokens = await accounts.LoginAsync(request, DeviceOf(context));
        return tokens is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The email or password is incorrect.")
            : TypedResults.Ok(tokens);
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, SessionService sessions)
    {
        var tokens = await sessions.RefreshAsync(request.RefreshToken);
        return tokens is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The refresh token is invalid, expired or already used.")
            : TypedResults.Ok(tokens);
    }

    private static async Task<NoContent> LogoutAsync(ClaimsPrincipal user, SessionService sessions)
    {
        await sessions.EndAsync(user.GetUserId(), user.GetSessionId(), "logout");
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> LogoutAllAsync(ClaimsPrincipal user, SessionService sessions)
    {
        await sessions.EndAllAsync(user.GetUserId(), keepSessionId: null, "logout-all");
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<SessionResponse>>> ListSessionsAsync(
        ClaimsPrincipal user, SessionService sessions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sessions.ListAsync(user.GetUserId(), user.GetSessionId(), cancellationToken));

    private static async Task<Results<NoContent, NotFound>> EndSessionAsync(
        ObjectId id, ClaimsPrincipal user, SessionService sessions) =>
        await sessions.EndAsync(user.GetUserId(), id.ToString(), "ended-by-user")
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    private static async Task<Results<NoContent, ValidationProblem>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, AccountService accounts)
    {
        var refusals = await accounts.ChangePasswordAsync(user.GetUserId(), user.GetSessionId(), request);
        return refusals.Count == 0
            ? TypedResults.NoContent()
            : TypedResults.ValidationProblem(refusals.ToDictionary(refusal => refusal.MemberNames.Single(), refusal => new[] { refusal.ErrorMessage! }));
    }

    /// <summary>
    /// The signed-in user's account, as sign-in names it: a guess at the current password spends the account's
    /// sign-in budget, so a stolen access token is no faster way to find the password than the sign-in form.
    /// </summary>
    private static async ValueTask<string?> SignedInAccountAsync(EndpointFilterInvocationContext context)
    {
        var userId = context.HttpContext.User.GetUserId();
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var user = await users.Documents.Find(Builders<UserDocument>.Filter.Eq(user => user.Id, userId)).FirstOrDefaultAsync(context.HttpContext.RequestAborted);
        return user?.NormalizedEmail;
    }

    /// <summary>
    /// The User-Agent, cut between whole characters: Kestrel reads header values as UTF-8, so a long one may end in an
    /// emoji, and half of it would fail the session's insert after the sign-in had already ended older sessions.
    /// </summary>
    private static string DeviceOf(HttpContext context) =>
        context.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent
            ? StoredText.Truncate(userAgent, MaximumDeviceLength)
            : "Unknown device";
}
