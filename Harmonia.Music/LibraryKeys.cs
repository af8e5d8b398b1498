namespace Harmonia.Music;

/// <summary>The cache names library pages own.</summary>
public static class LibraryKeys
{
    /// <summary>The cache area (and metric tag) of library pages.</summary>
    public const string Area = "library";

    public const string Prefix = "cache:library:";

    /// <summary>
    /// One page: <c>cache:library:{userId}:{normalizedFilter}:{page}</c>. The filter is built from validated,
    /// bounded values, so keys stay short and stable (never raw query text or JSON).
    /// </summary>
    public static string Page(string userId, string normalizedFilter, int page) => $"{Prefix}{userId}:{normalizedFilter}:{page}";

    /// <summary>Every page of one user's library carries this tag, so one invalidation drops them all.</summary>
    public static string Tag(string userId) => $"library:{userId}";
}
