using Harmonia.Api.Accounts;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.DataStores;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>Accounts: creating them, checking their passwords, changing them.</summary>
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
    public async Task<UserDocument?> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken)
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
            await users.Documents.InsertOneAsync(user, cancellationToken: cancellationToken);
            await profiles.AddAsync(user, cancellationToken);
            return user;
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            return null;
        }
    }

    /// <summary>Signs in; null for a wrong email or a wrong password alike, so callers cannot tell which.</summary>
    public async Task<TokenResponse?> LoginAsync(LoginRequest request, string device, CancellationToken cancellationToken)
    {
        var normalizedEmail = EmailAddress.Normalize(request.Email);
        var user = await users.Documents.Find(user => user.NormalizedEmail == normalizedEmail).FirstOrDefaultAsync(cancellationToken);
        if (user is null or { Removing: true })
        {
            passwordHasher.VerifyHashedPassword(null!, _unknownUserHash.Value, request.Password);
            return null;
        }

        if (!await VerifyAsync(user, request.Password, cancellationToken))
        {
            return null;
        }

        return await sessions.StartAsync(user, device, cancellationToken);
    }

    /// <summary>Changes the password and ends every other session; false when the current password is wrong.</summary>
    public async Task<bool> ChangePasswordAsync(string userId, string currentSessionId, ChangePasswordRequest request, CancellationToken cancellationToken)
    {
        var user = await users.Documents.Find(user => user.Id == userId).FirstOrDefaultAsync(cancellationToken);
        if (user is null || !await VerifyAsync(user, request.CurrentPassword, cancellationToken))
        {
            return false;
        }

        await users.Documents.UpdateOneAsync(
            candidate => candidate.Id == userId,
            Builders<UserDocument>.Update
                .Set(candidate => candidate.PasswordHash, passwordHasher.HashPassword(user, request.NewPassword))
                .Set(candidate => candidate.UpdatedAt, timeProvider.GetUtcNow().UtcDateTime),
            cancellationToken: cancellationToken);
        await sessions.EndAllAsync(userId, keepSessionId: currentSessionId, "password-changed", cancellationToken);
        return true;
    }

    /// <summary>Checks a password, upgrading its stored hash when it was made with weaker settings than today's.</summary>
    private async Task<bool> VerifyAsync(UserDocument user, string password, CancellationToken cancellationToken)
    {
        var result = passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result is PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.Documents.UpdateOneAsync(
                candidate => candidate.Id == user.Id,
                Builders<UserDocument>.Update.Set(candidate => candidate.PasswordHash, passwordHasher.HashPassword(user, password)),
                cancellationToken: cancellationToken);
        }

        return result is not PasswordVerificationResult.Failed;
    }
}
