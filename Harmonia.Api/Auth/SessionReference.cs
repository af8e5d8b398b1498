namespace Harmonia.Api.Auth;

/// <summary>
/// The session a request is made in, with its validity cache key built once: a remembered access token keeps one
/// (<see cref="RememberedAccessToken"/>), so the check every request makes (<see cref="SessionValidator"/>) builds no key.
/// </summary>
public sealed class SessionReference(string userId, string sessionId)
{
    public string UserId { get; } = userId;

    public string SessionId { get; } = sessionId;

    /// <summary><see cref="SessionKeys.Validity"/> of this session.</summary>
    public string ValidityKey { get; } = SessionKeys.Validity(userId, sessionId);
}
