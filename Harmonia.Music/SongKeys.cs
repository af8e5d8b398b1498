namespace Harmonia.Music;

/// <summary>The cache names songs own.</summary>
public static class SongKeys
{
    /// <summary>The cache area (and metric tag) of song metadata.</summary>
    public const string Area = "song";

    public const string Prefix = "cache:songs:";

    /// <summary>One song's metadata: <c>cache:songs:{id}</c>, as in Harmonia's original design.</summary>
    public static string Song(string songId) => $"{Prefix}{songId}";
}
