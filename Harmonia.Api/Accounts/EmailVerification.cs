using Harmonia.Api.Users;
using Harmonia.Mail;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Accounts;

/// <summary>
/// Proving that an account's owner receives mail at its address: codes mailed at registration and on request,
/// and the check that records the proof. A verified address is what the admin role needs, and what keeps the
/// account from being removed. Like every change, these take no <see cref="CancellationToken"/>: once one starts it
/// runs to its end, mail included, whether or not the caller is still there (docs/resilience.md).
/// </summary>
public sealed class EmailVerification(
    UserStore users,
    OneTimeCodes codes,
    AccountMail mail,
    MailOutbox outbox,
    IOptions<AccountsOptions> options,
    TimeProvider timeProvider)
{
    /// <summary>
    /// Mails whoever holds the address just registered: a verification code for a new account, and for an
    /// address that already has one, a note that someone tried (with the way back in), so the request's answer
    /// can be the same either way.
    /// </summary>
    public async Task AfterRegistrationAsync(string email, UserDocument? created)
    {
        if (created is not null)
        {
            await SendCodeAsync(created);
        }
        else if (await users.FindByEmailAsync(email, CancellationToken.None) is { Removing: false } existing)
        {
            await outbox.EnqueueAsync(mail.AlreadyRegistered(existing), CancellationToken.None);
        }
    }

    /// <summary>Mails a new code, replacing the last one, when the address has an unverified account; otherwise nothing.</summary>
    public async Task ResendAsync(string email)
    {
        if (await users.FindByEmailAsync(email, CancellationToken.None) is { EmailVerifiedAt: null, Removing: false } user)
        {
            await SendCodeAsync(user);
        }
    }

    /// <summary>Records the proof; false for a wrong, used or expired code and for an address without an unverified account alike.</summary>
    public async Task<bool> VerifyAsync(VerifyEmailRequest request)
    {
        var user = await users.FindByEmailAsync(request.Email, CancellationToken.None);
        if (user is not { Removing: false } || !await codes.TryConsumeAsync(CodePurpose.VerifyEmail, user.Id, request.Proof))
        {
            return false;
        }

        return await MarkVerifiedAsync(user.Id);
    }

    /// <summary>
    /// Records that the address receives mail (a code sent there came back), unless removal has begun; false when it
    /// has, so that a proof landing while the sweep claims the account is not answered as if the account stayed.
    /// </summary>
    public async Task<bool> MarkVerifiedAsync(string userId)
    {
        var marked = await users.Documents.UpdateOneAsync(
            user => user.Id == userId && user.EmailVerifiedAt == null && !user.Removing,
            Builders<UserDocument>.Update
                .Set(user => user.EmailVerifiedAt, timeProvider.GetUtcNow().UtcDateTime)
                .Set(user => user.RemoveUnverifiedAt, null));
        // Nothing marked: verified already (a reset of a verified account), or claimed for removal since it was read.
        return marked.ModifiedCount == 1
            || await users.Documents.Find(user => user.Id == userId && !user.Removing).AnyAsync();
    }

    private async Task SendCodeAsync(UserDocument user)
    {
        if (await codes.IssueAsync(CodePurpose.VerifyEmail, user.Id, options.Value.VerificationCodeLifetime) is { } issued)
        {
            await outbox.EnqueueReplacingAsync(mail.VerifyEmail(user.Email, issued), CancellationToken.None);
        }
    }
}
