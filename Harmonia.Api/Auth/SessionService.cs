using Harmonia.Api.Users;
using Harmonia.DataStores;
using Harmonia.Notifications;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmonia.Api.Auth;

/// <summary>
/// Sessions and their refresh-token families. MongoDB is the record; the cache only mirrors whether a
/// session is active, and every change here writes MongoDB first, then updates the cache. Changes take no
/// <see cref="CancellationToken"/>: once one starts writing it runs to its end, the cache and every replica's set of
/// ended sessions included, whether or not the caller is still there (docs/resilience.md). A logout whose caller hung
/// up mid-write must still end the session everywhere.
/// </summary>
public sealed partial class SessionService(
    SessionStore store,
    UserStore users,
    SessionValidator validator,
    SessionRevocations revocations,
    AccessTokens accessTokens,
    UserNotifications notifications,
    IOptions<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SessionService> logger)
{
    /// <summary>
    /// Starts a session. Its refresh token's record is written first, under the session's id: a sign-in that fails
    /// between the two writes leaves a token nobody was given, for a session that does not exist, rather than an
    /// active session listed in GET /auth/sessions that nobody holds. Only once the session is on record do the
    /// user's least recently active sessions beyond <see cref="AuthOptions.MaxSessionsPerUser"/> end, so a sign-in
    /// that fails to record its session has ended none of them.
    /// </summary>
    public async Task<TokenResponse> StartAsync(UserDocument user, string device)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var session = new SessionDocument
        {
            UserId = user.Id,
            Device = device,
            CreatedAt = now,
            LastActivityAt = now,
        };
        session.ExpiresAt = RefreshTokenExpiry(session, now);
        var pair = Mint(session, RolesOf(user), session.ExpiresAt, now, out var refreshTokenHash);
        await store.RefreshTokens.InsertOneAsync(
            new RefreshTokenDocument { Hash = refreshTokenHash, SessionId = session.Id, UserId = session.UserId, ExpiresAt = session.ExpiresAt });
        await store.Sessions.InsertOneAsync(session);
        await validator.RememberAsync(session);
        await TryEndBeyondLimitAsync(user.Id);
        return pair;
    }

    /// <summary>
    /// Exchanges a refresh token for a new pair. The new pair is minted, its token recorded and the session extended
    /// first; then the old token is spent and the pair sealed into its record in one atomic update, so of concurrent
    /// exchanges exactly one wins and the others return its pair (within the grace window). Spending last means a pair
    /// is only ever handed out, or sealed for a retry, once everything it needs is on record: a failure before the
    /// spend leaves the old token unspent for the retry, and a losing exchange leaves only a token record nobody was
    /// given, which expires. A spent token presented after the window means it leaked: its whole session ends.
    /// </summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var hash = RefreshTokens.Hash(refreshToken);
        var presented = await FindRefreshTokenAsync(hash);
        if (presented?.UsedAt is not null)
        {
            return await RepeatOrEndAsync(presented, refreshToken, now);
        }

        if (presented is null || presented.ExpiresAt <= now)
        {
            return null;
        }

        var session = await FindActiveAsync(presented.SessionId, now);
        // Roles are read afresh so a refreshed token carries the user's current roles.
        var user = session is null ? null : await users.Documents.Find(Builders<UserDocument>.Filter.Eq(user => user.Id, session.UserId)).FirstOrDefaultAsync();
        if (session is null || user is null)
        {
            return null;
        }

        var expiresAt = RefreshTokenExpiry(session, now);
        var pair = Mint(session, RolesOf(user), expiresAt, now, out var successorHash);
        await store.RefreshTokens.InsertOneAsync(
            new RefreshTokenDocument { Hash = successorHash, SessionId = session.Id, UserId = session.UserId, ExpiresAt = expiresAt });
        // A losing exchange extends the session too: to the same expiry, give or take the moments between them.
        var extended = await store.Sessions.FindOneAndUpdateAsync(
            ActiveFilter(session.Id, now),
            Builders<SessionDocument>.Update.Set(session => session.ExpiresAt, expiresAt).Set(session => session.LastActivityAt, now),
            new FindOneAndUpdateOptions<SessionDocument> { ReturnDocument = ReturnDocument.After });
        if (extended is null)
        {
            return null;
        }

        var successor = options.Value.RefreshReuseGrace > TimeSpan.Zero ? RefreshTokens.Seal(refreshToken, pair) : null;
        if (!await store.TrySpendRefreshTokenAsync(hash, now, successor))
        {
            // A concurrent exchange of the same token won; its pair is sealed in the record now.
            return await FindRefreshTokenAsync(hash) is { } winner
                ? await RepeatOrEndAsync(winner, refreshToken, now)
                : null;
        }

        await validator.RememberAsync(extended);
        return pair;
    }

    public async Task<IReadOnlyList<SessionResponse>> ListAsync(string userId, string currentSessionId, CancellationToken cancellationToken)
    {
        var sessions = await ActiveOfUser(userId).ToListAsync(cancellationToken);

        return [.. sessions.Select(session => new SessionResponse(
            session.Id,
            session.Device,
            new DateTimeOffset(session.CreatedAt, TimeSpan.Zero),
            new DateTimeOffset(session.LastActivityAt, TimeSpan.Zero),
            session.Id == currentSessionId))];
    }

    /// <summary>Ends one of the user's sessions; false when the user has no such active session.</summary>
    public async Task<bool> EndAsync(string userId, string sessionId, string reason) =>
        await RevokeAsync(Builders<SessionDocument>.Filter.Where(session => session.UserId == userId && session.Id == sessionId), reason) > 0;

    /// <summary>Ends every session of the user except <paramref name="keepSessionId"/> (none when null).</summary>
    public Task<int> EndAllAsync(string userId, string? keepSessionId, string reason) =>
        RevokeAsync(Builders<SessionDocument>.Filter.Where(session => session.UserId == userId && session.Id != keepSessionId), reason);

    /// <summary>
    /// Ends the user's least recently active sessions but the newest <see cref="AuthOptions.MaxSessionsPerUser"/>, the
    /// one just started among them. Each sign-in reads after its own session is on record, so of sign-ins racing each
    /// other the last to read sees every one of their sessions, and once all have returned the user is within the
    /// limit; they may end the same sessions twice. A failure here (MongoDB or Redis unreachable) does not fail the
    /// sign-in: its session is on record and its tokens work, and refusing them would leave a session nobody holds,
    /// counted as the newest by every later trim, while the client's retry started another. The user is then one over
    /// the limit, until the next sign-in's trim, which counts every session.
    /// </summary>
    private async Task TryEndBeyondLimitAsync(string userId)
    {
        try
        {
            var beyond = await ActiveOfUser(userId).Skip(options.Value.MaxSessionsPerUser).ToListAsync();
            if (beyond.Count > 0)
            {
                await RevokeAsync(
                    Builders<SessionDocument>.Filter.Eq(session => session.UserId, userId)
                    & Builders<SessionDocument>.Filter.In(session => session.Id, beyond.Select(session => session.Id)),
                    "session-limit");
            }
        }
        catch (Exception exception) when (exception is MongoException or TimeoutException || exception.IsRedisFailure())
        {
            LogLimitNotKept(logger, exception, userId, options.Value.MaxSessionsPerUser);
        }
    }

    /// <summary>A new pair for the session: an access token, and a refresh token of which only the hash is kept.</summary>
    /// <param name="now">When the caller started, before it read the session; see <see cref="AccessTokens.Issue"/>.</param>
    private TokenResponse Mint(SessionDocument session, IReadOnlyCollection<string> roles, DateTime refreshTokenExpiresAt, DateTime now, out string refreshTokenHash)
    {
        (var refreshToken, refreshTokenHash) = RefreshTokens.Create();
        var (accessToken, accessTokenExpiresAt) = accessTokens.Issue(session.UserId, session.Id, roles, new DateTimeOffset(now, TimeSpan.Zero));
        return new TokenResponse(accessToken, accessTokenExpiresAt, refreshToken, new DateTimeOffset(refreshTokenExpiresAt, TimeSpan.Zero), session.Id);
    }

    /// <summary>The idle timeout from now, cut short by the session's absolute lifetime.</summary>
    private DateTime RefreshTokenExpiry(SessionDocument session, DateTime now)
    {
        var settings = options.Value;
        var idle = now + settings.RefreshTokenLifetime;
        var absolute = session.CreatedAt + settings.SessionLifetime;
        return idle < absolute ? idle : absolute;
    }

    /// <summary>The admin role needs the address in <see cref="AuthOptions.AdminEmails"/> and proof that the account's owner receives mail there.</summary>
    private string[] RolesOf(UserDocument user) =>
        user.EmailVerifiedAt is not null && options.Value.AdminEmails.Any(email => EmailAddress.Normalize(email) == user.NormalizedEmail)
            ? [.. user.Roles.Append(AccessTokens.AdminRole).Distinct()]
            : user.Roles;

    /// <summary>
    /// A spent token presented again: within the grace window, while its session lasts, it gets the pair it was
    /// exchanged for; otherwise it leaked, and its whole session ends.
    /// </summary>
    private async Task<TokenResponse?> RepeatOrEndAsync(RefreshTokenDocument spent, string refreshToken, DateTime now)
    {
        if (now - spent.UsedAt <= options.Value.RefreshReuseGrace
            && spent.Successor is { } successor
            && RefreshTokens.Open(refreshToken, successor) is { } pair
            && await FindActiveAsync(spent.SessionId, now) is not null)
        {
            LogRepeat(logger, spent.SessionId, spent.UserId);
            return pair;
        }

        LogReuse(logger, spent.SessionId, spent.UserId);
        await EndAsync(spent.UserId, spent.SessionId, "refresh-token-reuse");
        return null;
    }

    /// <summary>The user's active sessions, most recently active first (of two equally recent, the newer).</summary>
    private IFindFluent<SessionDocument, SessionDocument> ActiveOfUser(string userId)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return store.Sessions
            .Find(session => session.UserId == userId && session.RevokedAt == null && session.ExpiresAt > now)
            .SortByDescending(session => session.LastActivityAt)
            .ThenByDescending(session => session.Id);
    }

    private async Task<RefreshTokenDocument?> FindRefreshTokenAsync(string hash) =>
        await store.RefreshTokens.Find(Builders<RefreshTokenDocument>.Filter.Eq(token => token.Hash, hash)).FirstOrDefaultAsync();

    private async Task<SessionDocument?> FindActiveAsync(string sessionId, DateTime now) =>
        await store.Sessions.Find(ActiveFilter(sessionId, now)).FirstOrDefaultAsync();

    private static FilterDefinition<SessionDocument> ActiveFilter(string sessionId, DateTime now) =>
        Builders<SessionDocument>.Filter.Eq(session => session.Id, sessionId)
        & Builders<SessionDocument>.Filter.Eq(session => session.RevokedAt, null)
        & Builders<SessionDocument>.Filter.Gt(session => session.ExpiresAt, now);

    /// <summary>
    /// Records the end in MongoDB first, then on every replica (<see cref="SessionValidator.EndAsync"/>), so a re-read can
    /// only see the end. Sessions the filter matches that ended within the revocation set's retention are announced
    /// again: an end on record whose announcement never came (its replica stopped between the two) would otherwise
    /// leave the session's access tokens working until they expire, and a retry would find nothing left to end.
    /// Announcing twice is harmless, and after the retention every access token issued before the end has expired.
    /// </summary>
    /// <returns>How many sessions this call ended.</returns>
    private async Task<int> RevokeAsync(FilterDefinition<SessionDocument> filter, string reason)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var unrevoked = Builders<SessionDocument>.Filter.Eq(session => session.RevokedAt, null);
        var endedRecently = Builders<SessionDocument>.Filter.Gt(session => session.RevokedAt, now - revocations.Retention);
        var sessions = await store.Sessions.Find(filter & (unrevoked | endedRecently)).ToListAsync();
        var ending = sessions.Where(session => session.RevokedAt is null).ToList();
        if (sessions.Count == 0)
        {
            return 0;
        }

        // A session that has already expired keeps its expiry: moving it forward to now would only delay its removal.
        var revoke = Builders<SessionDocument>.Update.Set(session => session.RevokedAt, now).Set(session => session.RevokedReason, reason);
        try
        {
            foreach (var expired in ending.GroupBy(session => session.ExpiresAt <= now))
            {
                await store.Sessions.UpdateManyAsync(
                    Builders<SessionDocument>.Filter.In(session => session.Id, expired.Select(session => session.Id)) & filter & unrevoked,
                    expired.Key ? revoke : revoke.Set(session => session.ExpiresAt, now));
            }
        }
        finally
        {
            // Also when a write failed, since the ends may be on record all the same: MongoDB's answer was lost (the
            // write may land once a hung server resumes), an election interrupted a write that had landed (a
            // multi-document update is not a retryable write), or the first of the two updates landed and the second
            // failed. So the sessions end on every replica, the safe direction. Had a write not landed, its sessions stay
            // active in MongoDB, refused everywhere until their access tokens have expired, and can be ended again from
            // another session (docs/sessions.md#ending-a-session).
            await validator.EndAsync(sessions, reason);
        }

        foreach (var ofUser in ending.GroupBy(session => session.UserId))
        {
            await notifications.TryAppendAsync(
                ofUser.Key, NotificationTypes.SessionEnded, new SessionsEnded([.. ofUser.Select(session => session.Id)], reason), NotificationsJsonContext.Default.SessionsEnded);
        }

        return ending.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sign-in of user {UserId} could not end the sessions beyond the limit of {Limit}; the next sign-in will.")]
    private static partial void LogLimitNotKept(ILogger logger, Exception exception, string userId, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A spent refresh token was presented again; ending session {SessionId} of user {UserId}.")]
    private static partial void LogReuse(ILogger logger, string sessionId, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A refresh token of session {SessionId} of user {UserId} was presented again within the grace window; it gets the same pair.")]
    private static partial void LogRepeat(ILogger logger, string sessionId, string userId);
}
