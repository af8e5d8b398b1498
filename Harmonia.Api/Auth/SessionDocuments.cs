using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Api.Auth;

/// <summary>One signed-in device: the family every refresh token of that sign-in belongs to.</summary>
public sealed class SessionDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    [BsonRepresentation(BsonType.ObjectId)]
    public required string UserId { get; init; }

    /// <summary>The client's User-Agent, shortened; how users tell their sessions apart.</summary>
    public required string Device { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime LastActivityAt { get; set; }

    /// <summary>
    /// When the newest refresh token runs out, and the session with it unless refreshed; never later than the
    /// absolute lifetime allows. A revocation sets it to the time of the end, so one field says when any session ended.
    /// </summary>
    public DateTime ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }
}

/// <summary>
/// One refresh token, stored only as its SHA-256 (RFC 6819 §5.1.4.1.3). A used token stays on record so
/// that presenting it again is recognised as reuse and ends its session (RFC 9700 §4.14.2).
/// </summary>
public sealed class RefreshTokenDocument
{
    /// <summary>The token's SHA-256, base64url: the lookup key, and all the server keeps of the token.</summary>
    [BsonId]
    public required string Hash { get; init; }

    [BsonRepresentation(BsonType.ObjectId)]
    public required string SessionId { get; init; }

    [BsonRepresentation(BsonType.ObjectId)]
    public required string UserId { get; init; }

    public DateTime ExpiresAt { get; init; }

    /// <summary>When it was exchanged for a successor; a token may be exchanged once.</summary>
    public DateTime? UsedAt { get; set; }

    /// <summary>
    /// The pair it was exchanged for, sealed under a key only this token derives (<see cref="Auth.RefreshTokens.Seal"/>):
    /// what a repeat within the grace window gets back, and nothing a copy of the database can open.
    /// </summary>
    public byte[]? Successor { get; set; }
}
