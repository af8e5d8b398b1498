namespace Harmonia.Bench.Api;

/// <summary>The <c>Bench</c> section: what the load benchmark switches to measure what each part of a request costs.</summary>
public sealed class BenchSettings
{
    public const string SectionName = "Bench";

    /// <summary>Whether the API limits rates as it ships; off measures what limiting costs.</summary>
    public bool RateLimiting { get; set; } = true;

    /// <summary>Which cache levels reads use; anything but <see cref="CacheLevels.Both"/> measures what a level is worth.</summary>
    public CacheLevels CacheLevels { get; set; } = CacheLevels.Both;
}
