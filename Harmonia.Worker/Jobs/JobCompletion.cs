using Harmonia.DataStores;
using Harmonia.Jobs;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Stores a generated song and completes its job. Where the server runs transactions (a replica set or a sharded
/// cluster), the song, the library item and the job's completion are written in one: nobody sees a song whose job is
/// not completed, and an attempt that lost its lease leaves nothing behind. Where it does not (a standalone server,
/// jongodb as the AppHost starts it), they are written one after another, each safe to repeat, as before. The audio
/// is uploaded first either way, outside any transaction.
/// </summary>
public sealed partial class JobCompletion(
    IMongoClient client,
    MongoTransactionSupport transactions,
    SongLibraryWriter songs,
    JobStore jobs,
    JobSettler settler,
    ILogger<JobCompletion> logger)
{
    public async Task CompleteAsync(JobAttempt attempt, byte[] audio)
    {
        var fileId = await songs.UploadAsync(attempt.Job, audio);
        if (await transactions.IsAvailableAsync() && await TryCompleteInTransactionAsync(attempt, fileId))
        {
            return;
        }

        var stored = await songs.InsertOrKeepAsync(attempt.Job, fileId);
        await songs.AnnounceAsync(attempt.Job, stored);
        await settler.CompleteAsync(attempt, stored.Song.Id);
    }

    /// <returns>False when a song an earlier attempt stored outside a transaction is in the way; the caller converges on it.</returns>
    private async Task<bool> TryCompleteInTransactionAsync(JobAttempt attempt, ObjectId fileId)
    {
        using var session = await client.StartSessionAsync();
        Completion? completion;
        try
        {
            // Retried by the driver on transient errors, a write conflict with another owner's settlement among them.
            completion = await session.WithTransactionAsync<Completion?>(async (transaction, cancellationToken) =>
            {
                var stored = await songs.InsertAsync(transaction, attempt.Job, fileId, cancellationToken);
                if (await jobs.CompleteAsync(attempt.Job.Id, attempt.Lease.Token, stored.Song.Id, transaction) is { } completed)
                {
                    return new Completion(stored, completed);
                }

                // A newer owner has the job: the song and the library item go with the transaction.
                await transaction.AbortTransactionAsync(cancellationToken);
                return null;
            });
        }
        catch (MongoException exception) when (exception.IsDuplicateKey())
        {
            LogEarlierSong(logger, attempt.Job.Id);
            return false;
        }

        if (completion is null)
        {
            await songs.DeleteUploadAsync(fileId);
            await settler.CompletedAsync(attempt, transition: null);
            return true;
        }

        await songs.AnnounceAsync(attempt.Job, completion.Stored);
        await settler.CompletedAsync(attempt, completion.Job);
        return true;
    }

    private sealed record Completion(StoredSong Stored, JobDocument Job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: an earlier attempt stored its song outside a transaction; keeping that one.")]
    private static partial void LogEarlierSong(ILogger logger, string jobId);
}
