namespace Harmonia.Api.RateLimiting;

/// <summary>The answer for one request under one policy.</summary>
/// <param name="Policy">The policy that decided.</param>
/// <param name="Admitted">Whether the request may proceed.</param>
/// <param name="Remaining">How many more requests the window admits after this one.</param>
/// <param name="ResetAfter">How long until the oldest counted request leaves the window and frees a unit: within it, at most <paramref name="Remaining"/> more are admitted.</param>
/// <param name="Distributed">True when the count every replica shares decided; false when this replica decided alone.</param>
/// <param name="Leased">True when this replica admitted from units leased from that shared count, without asking Redis.</param>
public readonly record struct RateLimitDecision(RateLimitPolicy Policy, bool Admitted, int Remaining, TimeSpan ResetAfter, bool Distributed, bool Leased = false);
