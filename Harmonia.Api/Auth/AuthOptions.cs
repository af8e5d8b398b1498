using System.ComponentModel.DataAnnotations;

namespace Harmonia.Api.Auth;

/// <summary>The <c>Harmonia:Auth</c> section: how tokens are signed and how long sessions last.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Harmonia:Auth";

    /// <summary>The HMAC-SHA256 key access tokens are signed with; from a secret store, never from source control.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>The <c>iss</c> every access token carries and must carry.</summary>
    [Required]
    public string Issuer { get; set; } = "harmonia";

    /// <summary>The <c>aud</c> every access token carries and must carry.</summary>
    [Required]
    public string Audience { get; set; } = "harmonia-api";

    /// <summary>How long an access token works; the per-request session check ends it sooner when its session ends.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refresh token works; each refresh starts the period again, so this is the idle timeout of a session.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long after a refresh token is exchanged presenting it again returns the same new pair instead of ending the
    /// session: two tabs refreshing at once, or a retry after a lost response (Okta's rotation grace period, Auth0's
    /// reuse interval). Later repeats still end the session as reuse. Zero turns it off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a session lasts from sign-in however active it is; refresh fails after it and the user signs in again.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How many password hashes a replica computes at once (each is about a tenth of a second of a core, by design);
    /// 0 means half its cores, at least one, so the other half always serves everything else.
    /// </summary>
    [Range(0, 256)]
    public int MaxConcurrentPasswordHashes { get; set; }

    /// <summary>How many requests needing a password hash wait for a turn; beyond that they get 503 at once. Bounds the wait to about this many hashes.</summary>
    [Range(0, 10_000)]
    public int PasswordHashQueueLimit { get; set; } = 16;

    /// <summary>Accounts with these emails get the <c>admin</c> role in their access tokens (cache statistics and commands), once the address is verified.</summary>
    public string[] AdminEmails { get; set; } = [];

    /// <summary>
    /// How often each replica reads the sessions other replicas revoked; with Redis reachable, a revocation is final
    /// everywhere within this (plus a round trip), so it stays well under the promised second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.020", "00:00:00.500")]
    public TimeSpan RevocationPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often each replica reads the sessions revoked lately from MongoDB (<see cref="RecordedRevocations"/>): the
    /// backstop for a revocation the Redis stream lost or never got, which is refused everywhere within this plus a read.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan RevocationRecordInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each replica deletes ended sessions and expired refresh tokens from MongoDB (<see cref="SessionHousekeeping"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an ended session stays in MongoDB before housekeeping deletes it with its refresh tokens.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "90.00:00:00")]
    public TimeSpan EndedSessionRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How many validated access tokens each replica remembers until they expire, so a client's next requests skip
    /// parsing, signature and claims (<see cref="RememberingAccessTokenHandler"/>); beyond it new tokens are validated
    /// in full each time. About 2 KB each. 0 validates every request in full.
    /// </summary>
    [Range(0, 1_000_000)]
    public int RememberedAccessTokens { get; set; } = 10_000;

    /// <summary>
    /// How many active sessions a user may have; a sign-in beyond it ends the least recently active ones. Bounds what
    /// one account can pile up (a session per sign-in) for <c>GET /auth/sessions</c> to read and a logout-all to end.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxSessionsPerUser { get; set; } = 100;

    /// <summary>How often a session's last activity is written to MongoDB, at most.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ActivityFlushInterval { get; set; } = TimeSpan.FromSeconds(30);
}
