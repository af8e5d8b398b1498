using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Accounts;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.DataStores;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Accounts: creating them, checking their passwords, changing them. Changes take no <see cref="CancellationToken"/>:
/// once one starts writing it runs to its end, the cache and the sessions included, whether or not the caller is still
/// there (docs/resilience.md).
/// </summary>
public sealed class AccountService(
    UserStore users,
    SessionService sessions,
    ProfileService profiles,
    IPasswordHasher<UserDocument> passwordHasher,
    IOptions<AccountsOptions> accountsOptions,
    TimeProvider timeProvider)
{
    /// <summary>A hash nobody's password matches, verified when the email is unknown so that both failures take as long.</summary>
    private readonly Lazy<string> _unknownUserHash = new(() => passwordHasher.HashPassword(null!, Guid.NewGuid().ToString()));

    /// <summary>
    /// Creates the account, unverified, due for removal unless verified in time; null when the email already has
    /// one. The password is hashed either way, so both outcomes take as long.
    /// </summary>
    public async Task<UserDocument?> RegisterAsync(RegisterRequest request)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var user = new UserDocument
        {
            Email = request.Email.Trim(),
            NormalizedEmail = EmailAddress.Normalize(request.Email),
            PasswordHash = "",
            DisplayName = request.DisplayName.Trim(),
            CreatedAt = now,
            UpdatedAt = now,
            RemoveUnverifiedAt = now + accountsOptions.Value.UnverifiedAccountLifetime,
        };
        user.PasswordHash = passwordHasher.HashPassword(user, request.Password);

        try
        {
            await users.Documents.InsertOneAsync(user);
            await profiles.AddAsync(user);
            return user;
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            return null;
        }
    }

    /// <summary>Signs in; null for a wrong email or a wrong password alike, so callers cannot tell which.</summary>
    public async Task<TokenResponse?> LoginAsync(LoginRequest request, string device)
    {
        var normalizedEmail = EmailAddress.Normalize(request.Email);
        var user = await users.Documents.Find(user => user.NormalizedEmail == normalizedEmail).FirstOrDefaultAsync();
        if (user is null or { Removing: true })
        {
            passwordHasher.VerifyHashedPassword(null!, _unknownUserHash.Value, request.Password);
            return null;
        }

        if (await VerifyAsync(user, request.Password) is not { } verified)
        {
            return null;
        }

        // A password change or reset may write its new hash while this sign-in checks the old password, and its endings
        // cannot end a session recorded after them. So the stored hash is read again once the session is on record. If
        // it is still the one verified, any change's write comes after this read, hence after the session's record, and
        // that change's second round of endings, which reads the sessions from MongoDB after its write, ends it. If not,
        // the password may no longer be the account's: the sign-in ends its own session and is refused as for a wrong
        // password.
        var tokens = await sessions.StartAsync(user, device);
        if (await StoredHashAsync(user.Id) == verified)
        {
            return tokens;
        }

        await sessions.EndAsync(user.Id, tokens.SessionId, "password-changed");
        return null;
    }

    /// <summary>
    /// Changes the password and ends every other session; otherwise what refused it: a wrong current password, or a
    /// new one built from the account's address, which the request alone does not carry, so its own validation could
    /// not check it.
    /// </summary>
    public async Task<IReadOnlyList<ValidationResult>> ChangePasswordAsync(string userId, string currentSessionId, ChangePasswordRequest request)
    {
        var user = await users.Documents.Find(user => user.Id == userId).FirstOrDefaultAsync();
        if (user is null || await VerifyAsync(user, request.CurrentPassword) is not { } verified)
        {
            return [IncorrectCurrentPassword];
        }

        List<ValidationResult> refusals = [.. PasswordPolicy.Check(request.NewPassword, user.Email, nameof(ChangePasswordRequest.NewPassword))];
        if (refusals.Count == 0 && !await SetPasswordAsync(user, request.NewPassword, keepSessionId: currentSessionId, "password-changed", replacing: verified))
        {
            refusals.Add(IncorrectCurrentPassword);
        }

        return refusals;
    }

    private static ValidationResult IncorrectCurrentPassword => new("The current password is incorrect.", [nameof(ChangePasswordRequest.CurrentPassword)]);

    /// <summary>
    /// Replaces the password and ends every session of the user but <paramref name="keepSessionId"/>. The sessions end
    /// before the new hash is written, so no failure (a timeout, an election, a lost answer) can leave the new password
    /// in place with the old sessions alive, where a retry could not help: the reset code is spent by then, and the
    /// current password no longer matches. They end again after it, so a sign-in that checked the old password in
    /// between is ended too. A failure before the hash write leaves the old password with the sessions ended, which
    /// errs the safe way.
    /// </summary>
    /// <param name="replacing">
    /// The hash a change checked the current password against: the new one is written only while it is still on record,
    /// so a change that checked a password which a reset (or another change) replaced meanwhile cannot put a password of
    /// its own in place of the reset's, which would hand the account back to whoever knew the old one. Null for a
    /// reset, whose code, not a password, proves the right to replace it.
    /// </param>
    /// <returns>False when nothing was written: <paramref name="replacing"/> was no longer on record, or the account is gone.</returns>
    public async Task<bool> SetPasswordAsync(UserDocument user, string newPassword, string? keepSessionId, string reason, string? replacing = null)
    {
        var hash = passwordHasher.HashPassword(user, newPassword);
        await sessions.EndAllAsync(user.Id, keepSessionId, reason);
        var filter = Builders<UserDocument>.Filter.Eq(candidate => candidate.Id, user.Id);
        if (replacing is not null)
        {
            filter &= Builders<UserDocument>.Filter.Eq(candidate => candidate.PasswordHash, replacing);
        }

        var written = await users.Documents.UpdateOneAsync(
            filter,
            Builders<UserDocument>.Update
                .Set(candidate => candidate.PasswordHash, hash)
                .Set(candidate => candidate.UpdatedAt, timeProvider.GetUtcNow().UtcDateTime));
        if (written.MatchedCount == 0)
        {
            return false;
        }

        await sessions.EndAllAsync(user.Id, keepSessionId, reason);
        return true;
    }

    /// <summary>
    /// The user's password hash as stored now; null once the account is gone. Projected into the document's own type
    /// rather than to the field alone: jongodb ignores projections, and the driver cannot read a whole document as one
    /// field.
    /// </summary>
    private async Task<string?> StoredHashAsync(string userId)
    {
        var stored = await users.Documents
            .Find(candidate => candidate.Id == userId)
            .Project<UserDocument>(Builders<UserDocument>.Projection.Include(candidate => candidate.PasswordHash))
            .FirstOrDefaultAsync();
        return stored?.PasswordHash;
    }

    /// <summary>
    /// Checks a password against the hash read with <paramref name="user"/>; the hash on record for it now, or null when
    /// the password is wrong. A hash made with weaker settings than today's is upgraded, but only while it is still the
    /// one on record: a password change or reset may write its new hash while this one is checked, and an upgrade over
    /// it would put a hash of the old password back, so the old password would work again after its owner changed it.
    /// When the upgrade finds another hash on record, the password is checked once more against that one: another
    /// sign-in's upgrade of the same password passes (before, the second of two sign-ins racing to upgrade was refused
    /// as for a wrong password), a change's or reset's hash of another password does not. Only a password that matched
    /// the hash read can get that far, so a wrong one costs one hash as before, and the second check runs at most once.
    /// </summary>
    private async Task<string?> VerifyAsync(UserDocument user, string password)
    {
        var result = passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result is not PasswordVerificationResult.SuccessRehashNeeded)
        {
            return result is PasswordVerificationResult.Failed ? null : user.PasswordHash;
        }

        var upgrade = passwordHasher.HashPassword(user, password);
        var upgraded = await users.Documents.UpdateOneAsync(
            candidate => candidate.Id == user.Id && candidate.PasswordHash == user.PasswordHash,
            Builders<UserDocument>.Update.Set(candidate => candidate.PasswordHash, upgrade));
        if (upgraded.MatchedCount == 1)
        {
            return upgrade;
        }

        return await StoredHashAsync(user.Id) is { } stored
            && passwordHasher.VerifyHashedPassword(user, stored, password) is not PasswordVerificationResult.Failed
                ? stored
                : null;
    }
}
