using Harmonia.Api.Auth;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Music;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace Harmonia.Api.Accounts;

/// <summary>
/// Removes accounts whose address was never verified within <see cref="AccountsOptions.UnverifiedAccountLifetime"/>,
/// with everything they made, so nobody can hold an address they do not own. Every replica sweeps; a removal
/// first claims the account (it can no longer sign in or be verified), then ends its sessions, deletes its
/// library, songs, jobs and refresh tokens, and deletes the account last. Its ended sessions stay until
/// <see cref="SessionHousekeeping"/> deletes them, as every ended session does: they are the record of their
/// revocation, from which a replica whose Redis stream lost it learns it (<see cref="RecordedRevocations"/>) and
/// refuses the account's access tokens. Each step is idempotent: a removal that fails midway is
/// handed back to the next sweep at once, and the claim expires, so a replica that dies midway leaves the rest to
/// the sweep after the claim. An account with unfinished jobs is left for a
/// later sweep after asking them to cancel, so no job writes a song for an account that is gone. Shutdown stops the
/// sweep between accounts, never inside a removal: once an account is claimed, its removal runs to its end, caches
/// included, as every change does (docs/resilience.md); each wait is bounded by the clients' own timeouts.
/// </summary>
public sealed partial class UnverifiedAccountRemoval(
    UserStore users,
    SessionService sessions,
    SessionStore sessionStore,
    LibraryStore library,
    SongStore songs,
    JobStore jobs,
    CacheInvalidator invalidator,
    IOptions<AccountsOptions> options,
    TimeProvider timeProvider,
    ILogger<UnverifiedAccountRemoval> logger) : BackgroundService
{
    /// <summary>How long a claimed removal is this replica's before another may take it over.</summary>
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromMinutes(10);

    private const int BatchSize = 50;

    private static readonly JobStatus[] Unfinished = [JobStatus.Pending, JobStatus.Running];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(
            options.Value.RemovalSweepInterval,
            timeProvider,
            SweepAsync,
            exception => LogSweepFailed(logger, exception),
            stoppingToken,
            firstAtOnce: false);

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var due = await users.Documents
            .Find(user => user.EmailVerifiedAt == null && user.RemoveUnverifiedAt != null && user.RemoveUnverifiedAt <= now)
            .Limit(BatchSize)
            .ToListAsync(cancellationToken);
        foreach (var user in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await ClaimAsync(user.Id, now))
            {
                try
                {
                    await RemoveAsync(user.Id);
                }
                catch (Exception)
                {
                    // Every step is idempotent, so a removal cut short by a failed call (a Redis or MongoDB timeout)
                    // goes back to the next sweep rather than waiting out its claim. If even this fails, the claim's
                    // expiry still hands it on.
                    await ReleaseAsync(user.Id);
                    throw;
                }
            }
        }
    }

    /// <summary>Makes a claimed account due again; it stays unable to sign in, as claimed accounts are.</summary>
    private async Task ReleaseAsync(string userId) =>
        await users.Documents.UpdateOneAsync(
            user => user.Id == userId && user.Removing,
            Builders<UserDocument>.Update.Set(user => user.RemoveUnverifiedAt, timeProvider.GetUtcNow().UtcDateTime));

    /// <summary>Takes the account for removal unless it was verified or another replica took it meanwhile.</summary>
    private async Task<bool> ClaimAsync(string userId, DateTime now)
    {
        var claimed = await users.Documents.UpdateOneAsync(
            user => user.Id == userId && user.EmailVerifiedAt == null && user.RemoveUnverifiedAt != null && user.RemoveUnverifiedAt <= now,
            Builders<UserDocument>.Update.Set(user => user.Removing, true).Set(user => user.RemoveUnverifiedAt, now + ClaimDuration));
        return claimed.ModifiedCount == 1;
    }

    private async Task RemoveAsync(string userId)
    {
        await sessions.EndAllAsync(userId, keepSessionId: null, "unverified-account-removed");

        var unfinished = await jobs.Documents.Find(job => job.UserId == userId && Unfinished.Contains(job.Status)).ToListAsync();
        if (unfinished.Count > 0)
        {
            foreach (var job in unfinished.Where(job => !job.CancelRequested))
            {
                await jobs.RequestCancelAsync(job.Id, userId, CancellationToken.None);
            }

            LogWaitingForJobs(logger, userId, unfinished.Count);
            return;
        }

        try
        {
            await DeleteRecordsAsync(userId);
        }
        catch (Exception exception) when (exception.IsLostAnswer())
        {
            // The account may be gone already, or go once a hung server resumes, and then no later sweep finds it to
            // finish: the caches drop it now.
            await DropCachedAsync(userId, "unverified-account-removal-unconfirmed");
            throw;
        }

        await DropCachedAsync(userId, "unverified-account-removed");
        LogRemoved(logger, userId);
    }

    /// <summary>
    /// What the account made first, the account itself last, so a removal cut short is found by the next sweep. Not its
    /// ended sessions, which every replica reads their revocation from (see the class); their refresh tokens go, as a
    /// refresh of an ended session is refused whether or not its token is on record.
    /// </summary>
    private async Task DeleteRecordsAsync(string userId)
    {
        await library.Documents.DeleteManyAsync(item => item.UserId == userId);
        foreach (var song in await songs.Documents.Find(song => song.OwnerId == userId).ToListAsync())
        {
            if (song.AudioFileId is { } audio)
            {
                try
                {
                    await songs.Audio.DeleteAsync(ObjectId.Parse(audio));
                }
                catch (GridFSFileNotFoundException)
                {
                    // An earlier attempt got this far.
                }
            }
        }

        await songs.Documents.DeleteManyAsync(song => song.OwnerId == userId);
        await jobs.Documents.DeleteManyAsync(job => job.UserId == userId);
        await sessionStore.RefreshTokens.DeleteManyAsync(token => token.UserId == userId);
        await users.Documents.DeleteOneAsync(user => user.Id == userId && user.Removing);
    }

    private async Task DropCachedAsync(string userId, string reason)
    {
        await invalidator.RemoveAsync(ProfileKeys.Area, ProfileKeys.Profile(userId), reason);
        await invalidator.RemoveByTagAsync(LibraryKeys.Area, LibraryKeys.Tag(userId), reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed account {UserId}: its address was never verified.")]
    private static partial void LogRemoved(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing account {UserId} waits for {Count} unfinished jobs to cancel.")]
    private static partial void LogWaitingForJobs(ILogger logger, string userId, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping unverified accounts failed; the next sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
