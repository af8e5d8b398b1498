namespace Harmonia.Api.RateLimiting;

/// <summary>
/// What Redis last told this replica of one caller's shared count: at <paramref name="At"/>, <paramref name="Free"/>
/// units were free for anyone (this replica's leases counted as taken), and no logged unit leaves the window
/// before <paramref name="Until"/>. Timestamps are this replica's (<see cref="TimeProvider.GetTimestamp"/>).
/// </summary>
/// <remarks>
/// A replica that must decide alone starts from it (<see cref="LocalSlidingWindow"/>): until <paramref name="Until"/>
/// the units taken then are certainly still in the shared window, so counting them refuses nothing Redis would have
/// admitted; from then on they are dropped together, as before this existed.
/// </remarks>
public readonly record struct LastKnownCount(int Free, long At, long Until)
{
    /// <summary>Units the shared count held at <see cref="At"/> under <paramref name="policy"/>.</summary>
    public int Taken(RateLimitPolicy policy) => Math.Max(policy.Limit - Free, 0);
}
