namespace Harmonia.Jobs;

/// <summary>
/// A job's state as Redis holds and publishes it: everything a client is shown, plus the owner (to check
/// access) and the version (to order snapshots). Immutable, because every one is a complete state.
/// </summary>
public sealed record JobSnapshot(
    string Id,
    string UserId,
    JobType Type,
    string Prompt,
    int DurationSeconds,
    JobStatus Status,
    int Progress,
    int Attempts,
    long Version,
    bool CancelRequested,
    string? SongId,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt)
{
    public static JobSnapshot From(JobDocument job) => new(
        job.Id,
        job.UserId,
        job.Type,
        job.Prompt,
        job.DurationSeconds,
        job.Status,
        job.Progress,
        job.Attempts,
        job.Version,
        job.CancelRequested,
        job.SongId,
        job.Error,
        AsUtc(job.CreatedAt),
        job.StartedAt is { } started ? AsUtc(started) : null,
        job.CompletedAt is { } completed ? AsUtc(completed) : null);

    public bool IsFinal => Status.IsFinal();

    /// <summary>
    /// Whether this snapshot supersedes <paramref name="other"/>: a later state change, or more progress
    /// within the same state. Progress never goes down within one version.
    /// </summary>
    public bool IsNewerThan(JobSnapshot other) =>
        Version > other.Version || (Version == other.Version && Progress > other.Progress);

    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
