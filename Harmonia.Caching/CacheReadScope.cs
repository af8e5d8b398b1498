namespace Harmonia.Caching;

/// <summary>
/// Collects how the cache answered the reads made inside it, for one request: the API's <c>Cache-Status</c>
/// header is built from it. Reads outside any scope (the per-request session check runs before it opens) are
/// only counted in the metrics.
/// </summary>
public sealed class CacheReadScope : IDisposable
{
    private static readonly AsyncLocal<CacheReadScope?> Current = new();

    private readonly CacheReadScope? _outer;
    private volatile CacheResult? _result;
    private int _recorded;

    private CacheReadScope(CacheReadScope? outer) => _outer = outer;

    /// <summary>How the last read of an area's key in this scope was answered; null when nothing was read.</summary>
    public CacheResult? Result => _result;

    /// <summary>Opens a scope for the calls that follow in this async flow.</summary>
    public static CacheReadScope Begin() => Current.Value = new CacheReadScope(Current.Value);

    public void Dispose() => Current.Value = _outer;

    /// <summary>The scope reads in this async flow record into, if any.</summary>
    internal static CacheReadScope? Active => Current.Value;

    /// <summary>How many outcomes this scope has recorded; one that did not move across a read saw none from it.</summary>
    internal int Recorded => Volatile.Read(ref _recorded);

    internal static void Record(CacheResult result)
    {
        if (Current.Value is { } scope)
        {
            scope._result = result;
            Interlocked.Increment(ref scope._recorded);
        }
    }
}
