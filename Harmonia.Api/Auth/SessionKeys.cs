namespace Harmonia.Api.Auth;

/// <summary>The cache names the Auth feature owns.</summary>
public static class SessionKeys
{
    /// <summary>The cache area (and metric tag) of session validity.</summary>
    public const string Area = "session";

    public const string Prefix = "session:";

    /// <summary>Whether a session is still active: <c>session:{userId}:{sessionId}</c>, as in Harmonia's original design.</summary>
    public static string Validity(string userId, string sessionId) => $"{Prefix}{userId}:{sessionId}";

    /// <summary>The stream of revoked sessions every replica reads (<see cref="SessionRevocations"/>); one key, so cluster-safe.</summary>
    public static readonly StackExchange.Redis.RedisKey Revocations = "sessions:revoked";
}
