namespace Harmonia.Api.Accounts;

/// <summary>
/// The <c>temp:</c> namespace of the original design: short-lived secrets Redis may lose at any moment (a lost
/// code just means asking for a new one). Nothing else about an account lives here.
/// </summary>
public static class TempKeys
{
    public const string Prefix = "temp:";

    /// <summary>
    /// One account's pending code for one purpose: <c>temp:{purpose}:{userId}</c>. The user id is the key's
    /// Redis Cluster hash tag, so whatever else a future script touches for the same account stays on one slot.
    /// </summary>
    public static string Code(CodePurpose purpose, string userId) => $"{Prefix}{purpose.Name}:{{{userId}}}";
}

/// <summary>What a one-time code is for; each purpose has its own key, lifetime and HMAC domain.</summary>
public sealed record CodePurpose(string Name)
{
    public static readonly CodePurpose VerifyEmail = new("verify-email");
    public static readonly CodePurpose ResetPassword = new("reset-password");
}
