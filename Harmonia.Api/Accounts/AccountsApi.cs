using Harmonia.Api.Auth;
using Harmonia.Api.RateLimiting;
using Harmonia.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Harmonia.Api.Accounts;

/// <summary>
/// Email verification and password recovery. Requests that may send mail always answer 202 with the same body;
/// requests that use a code answer 204 or one 400 for every way a code can fail. Each is limited per client
/// address (its endpoint policy) and per account, wherever the requests come from.
/// </summary>
public static class AccountsApi
{
    private static readonly Dictionary<string, string[]> InvalidCode = new()
    {
        ["code"] = ["The code or link is wrong, used or expired. Ask for a new one."],
    };

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/auth").WithTags("Accounts");

        accounts.MapPost("/email/verify", VerifyAsync).WithSummary("Prove the account's address with the mailed code or link token")
            .RequireAccountRateLimit((VerifyEmailRequest request) => CodeGuesser(request.Email, request.Code), policies => policies.AccountCode);
        accounts.MapPost("/email/verify/resend", ResendAsync).WithSummary("Mail a new verification code")
            .RequireMailRateLimits((EmailRequest request) => Account(request.Email));
        accounts.MapPost("/password/forgot", ForgotAsync).WithSummary("Mail a password reset code")
            .RequireMailRateLimits((EmailRequest request) => Account(request.Email));
        accounts.MapPost("/password/reset", ResetAsync).WithSummary("Set a new password with the mailed code or link token, ending every session")
            .RequireAccountRateLimit((ResetPasswordRequest request) => CodeGuesser(request.Email, request.Code), policies => policies.AccountCode)
            .RequirePasswordHashing();

        return app;
    }

    /// <summary>
    /// Limits an endpoint that mails <paramref name="account"/>'s address by both mail policies: <c>account-mail</c>
    /// first, so a request it refuses spends none of the day's <c>account-mail-daily</c> units (endpoint filters run in
    /// the order they are added). A request the daily policy refuses has spent a 15-minute unit, which costs the owner
    /// nothing the daily refusal had not already cost.
    /// </summary>
    public static RouteHandlerBuilder RequireMailRateLimits<TRequest>(this RouteHandlerBuilder builder, Func<TRequest, string?> account) =>
        builder
            .RequireAccountRateLimit(account, policies => policies.AccountMail)
            .RequireAccountRateLimit(account, policies => policies.AccountMailDaily);

    /// <summary>The per-account rate-limit partition of an address: one account whatever its spelling.</summary>
    public static string? Account(string? email) => email is null ? null : EmailAddress.Normalize(email);

    /// <summary>
    /// The account a request with a six-digit code counts against; none for the link's token. Nobody can guess a
    /// 256-bit token, so counting it would only let someone who burns an account's quota with wrong codes lock
    /// its owner out of the link (the address's endpoint policy still limits token requests).
    /// </summary>
    private static string? CodeGuesser(string? email, string? code) => code is null ? null : Account(email);

    private static async Task<Results<NoContent, ValidationProblem>> VerifyAsync(
        VerifyEmailRequest request, EmailVerification verification) =>
        await verification.VerifyAsync(request) ? TypedResults.NoContent() : TypedResults.ValidationProblem(InvalidCode);

    private static async Task<Accepted<MailAcceptedResponse>> ResendAsync(
        EmailRequest request, EmailVerification verification)
    {
        await verification.ResendAsync(request.Email);
        return TypedResults.Accepted((string?)null, MailAcceptedResponse.Instance);
    }

    private static async Task<Accepted<MailAcceptedResponse>> ForgotAsync(
        EmailRequest request, PasswordReset reset)
    {
        await reset.RequestAsync(request.Email);
        return TypedResults.Accepted((string?)null, MailAcceptedResponse.Instance);
    }

    private static async Task<Results<NoContent, ValidationProblem>> ResetAsync(
        ResetPasswordRequest request, PasswordReset reset) =>
        await reset.ResetAsync(request) ? TypedResults.NoContent() : TypedResults.ValidationProblem(InvalidCode);
}
