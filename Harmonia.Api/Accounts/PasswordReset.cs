using Harmonia.Api.Auth;
using Harmonia.Api.Users;
using Harmonia.Mail;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Accounts;

/// <summary>
/// Getting back into an account without its password: a code mailed to its address, then a new password that
/// ends every session. Using the code also proves the address, so an account whose verification mail was lost
/// (or that someone else registered with the owner's address) ends up verified, in the owner's hands alone.
/// </summary>
public sealed class PasswordReset(
    UserStore users,
    OneTimeCodes codes,
    AccountMail mail,
    MailOutbox outbox,
    EmailVerification verification,
    SessionService sessions,
    IPasswordHasher<UserDocument> passwordHasher,
    IOptions<AccountsOptions> options,
    TimeProvider timeProvider)
{
    /// <summary>Mails a reset code when the address has an account; otherwise nothing, and the caller cannot tell.</summary>
    public async Task RequestAsync(string email, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email, cancellationToken) is { Removing: false } user
            && await codes.IssueAsync(CodePurpose.ResetPassword, user.Id, options.Value.ResetCodeLifetime) is { } issued)
        {
            await outbox.EnqueueAsync(mail.ResetPassword(user.Email, user.DisplayName, issued), cancellationToken);
        }
    }

    /// <summary>Sets the new password and ends every session; false for a wrong, used or expired code and for an unknown address alike.</summary>
    public async Task<bool> ResetAsync(ResetPasswordRequest request, CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(request.Email, cancellationToken);
        if (user is not { Removing: false } || !await codes.TryConsumeAsync(CodePurpose.ResetPassword, user.Id, request.Proof))
        {
            return false;
        }

        await users.Documents.UpdateOneAsync(
            candidate => candidate.Id == user.Id,
            Builders<UserDocument>.Update
                .Set(candidate => candidate.PasswordHash, passwordHasher.HashPassword(user, request.NewPassword))
                .Set(candidate => candidate.UpdatedAt, timeProvider.GetUtcNow().UtcDateTime),
            cancellationToken: cancellationToken);
        await verification.MarkVerifiedAsync(user.Id, cancellationToken);
        await sessions.EndAllAsync(user.Id, keepSessionId: null, "password-reset", cancellationToken);
        return true;
    }
}
