namespace Harmonia.Api.Profiles;

/// <summary>The cache names the Profiles feature owns.</summary>
public static class ProfileKeys
{
    /// <summary>The cache area (and metric tag) of profiles.</summary>
    public const string Area = "profile";

    public const string Prefix = "cache:user:";

    /// <summary>One user's profile: <c>cache:user:{userId}</c>, as in Harmonia's original design.</summary>
    public static string Profile(string userId) => $"{Prefix}{userId}";
}
