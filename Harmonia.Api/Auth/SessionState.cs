using System.ComponentModel;

namespace Harmonia.Api.Auth;

/// <summary>What the per-request check needs to know about a session; cached, so immutable.</summary>
[ImmutableObject(true)]
public sealed record SessionState(bool IsActive, DateTimeOffset ExpiresAt)
{
    public static readonly SessionState Ended = new(false, DateTimeOffset.MinValue);

    public static SessionState Of(SessionDocument session) =>
        session.RevokedAt is null ? new(true, new DateTimeOffset(session.ExpiresAt, TimeSpan.Zero)) : Ended;
}
