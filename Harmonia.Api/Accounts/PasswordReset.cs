using Harmonia.Api.Auth;
using Harmonia.Api.Users;
using Harmonia.Mail;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Accounts;

/// <summary>
/// Getting back into an account without its password: a code mailed to its address, then a new password that
/// ends every session. Using the code also proves the address, so an account whose verification mail was lost
/// (or that someone else registered with the owner's address) ends up verified, in the owner's hands alone. Like every
/// change, these take no <see cref="CancellationToken"/>: once one starts it runs to its end whether or not the caller
/// is still there (docs/resilience.md).
/// </summary>
public sealed class PasswordReset(
    UserStore users,
    OneTimeCodes codes,
    AccountMail mail,
    MailOutbox outbox,
    EmailVerification verification,
    AccountService accounts,
    IOptions<AccountsOptions> options)
{
    /// <summary>Mails a reset code when the address has an account; otherwise nothing, and the caller cannot tell.</summary>
    public async Task RequestAsync(string email)
    {
        if (await users.FindByEmailAsync(email, CancellationToken.None) is { Removing: false } user
            && await codes.IssueAsync(CodePurpose.ResetPassword, user.Id, options.Value.ResetCodeLifetime) is { } issued)
        {
            await outbox.EnqueueReplacingAsync(mail.ResetPassword(user, issued), CancellationToken.None);
        }
    }

    /// <summary>
    /// Sets the new password and ends every session; false for a wrong, used or expired code and for an unknown address
    /// alike, and for an unverified account whose removal began meanwhile (the new password does not stop it). The
    /// sessions end as <see cref="AccountService.SetPasswordAsync"/> says: a reset that fails half-way never leaves the
    /// new password in place with the old sessions alive. The address is marked verified last, so a failure there has
    /// ended the sessions already; the user then signs in with the new password and verifies again.
    /// </summary>
    public async Task<bool> ResetAsync(ResetPasswordRequest request)
    {
        var user = await users.FindByEmailAsync(request.Email, CancellationToken.None);
        if (user is not { Removing: false } || !await codes.TryConsumeAsync(CodePurpose.ResetPassword, user.Id, request.Proof))
        {
            return false;
        }

        await accounts.SetPasswordAsync(user, request.NewPassword, keepSessionId: null, "password-reset");
        return await verification.MarkVerifiedAsync(user.Id);
    }
}
