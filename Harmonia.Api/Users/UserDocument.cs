using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Api.Users;

/// <summary>A Harmonia account in the <c>users</c> collection: credentials (Auth) and the public profile (Profiles).</summary>
public sealed class UserDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    /// <summary>The address as the user typed it.</summary>
    public required string Email { get; init; }

    /// <summary>Trimmed and lower-cased; unique, so one address holds one account.</summary>
    public required string NormalizedEmail { get; init; }

    /// <summary>ASP.NET Core Identity's self-describing PBKDF2 format; never the password.</summary>
    public required string PasswordHash { get; set; }

    public required string DisplayName { get; set; }

    public string? Bio { get; set; }

    public string? AvatarUrl { get; set; }

    public string[] Roles { get; init; } = [];

    /// <summary>When the owner proved the address receives mail (a verification or reset code); null until then.</summary>
    public DateTime? EmailVerifiedAt { get; set; }

    /// <summary>
    /// When the account is removed unless its address is verified first; null once verified, and for accounts
    /// made before verification existed (they are never removed).
    /// </summary>
    public DateTime? RemoveUnverifiedAt { get; set; }

    /// <summary>Set once removal of the never-verified account has begun: it can no longer sign in or be verified.</summary>
    public bool Removing { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}
