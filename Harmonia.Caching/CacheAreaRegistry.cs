namespace Harmonia.Caching;

/// <summary>Which area a cache key belongs to, from the key prefixes areas are registered with.</summary>
public sealed class CacheAreaRegistry
{
    private readonly List<(string Prefix, string Area)> _prefixes = [];

    public IEnumerable<string> Areas => _prefixes.Select(entry => entry.Area);

    public void Add(string area, string keyPrefix) => _prefixes.Add((keyPrefix, area));

    /// <summary>The area owning <paramref name="key"/>; null for the engine's own bookkeeping keys (tag timestamps and such).</summary>
    public string? AreaOf(string key)
    {
        foreach (var (prefix, area) in _prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return area;
            }
        }

        return null;
    }
}
