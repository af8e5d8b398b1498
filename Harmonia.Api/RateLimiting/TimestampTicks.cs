namespace Harmonia.Api.RateLimiting;

/// <summary>Durations in <see cref="TimeProvider"/> timestamp units, the clock the limiter's leases, logs and answers keep.</summary>
internal static class TimestampTicks
{
    public static long Ticks(this TimeProvider timeProvider, TimeSpan duration) =>
        (long)(duration.TotalSeconds * timeProvider.TimestampFrequency);
}
