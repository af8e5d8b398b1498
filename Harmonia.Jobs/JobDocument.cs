using System.Text.Json.Serialization;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Jobs;

/// <summary>
/// A generation job in the <c>jobs</c> collection: the source of truth for its state. Redis only dispatches
/// it, holds its lease and fans its progress out; everything there can be rebuilt from this document.
/// </summary>
public sealed class JobDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    [BsonRepresentation(BsonType.ObjectId)]
    public required string UserId { get; init; }

    /// <summary>The queue whose workers own the job (<c>Harmonia:Jobs:Queue</c> of the API that accepted it).</summary>
    public required string Queue { get; init; }

    [BsonRepresentation(BsonType.String)]
    public required JobType Type { get; init; }

    public required string Prompt { get; init; }

    public int DurationSeconds { get; init; }

    /// <summary>The client's <c>Idempotency-Key</c>; unique per user, so a retried submission finds this job.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// How long after its insert a job's admission may still come. The verdict is a few MongoDB calls after the insert,
    /// each within the driver's bounded waits (docs/resilience.md); a job still awaiting it after a minute lost its
    /// submitter's verdict (a crash, a deploy, a failure whose withdrawal failed too), and no verdict will come.
    /// </summary>
    public static readonly TimeSpan AdmissionBound = TimeSpan.FromMinutes(1);

    /// <summary>
    /// True on a new job from its insert until the waiting cap admits it, and stored only while true. No worker runs a
    /// job with the mark: a submission that fails after its insert answers 503, so its job must never run, and the
    /// reconciler withdraws a job still marked past <see cref="AdmissionBound"/> instead of dispatching it. A repeat of a
    /// keyed request answers with the job only once the mark is gone. Jobs stored before the mark existed read as admitted.
    /// </summary>
    [BsonIgnoreIfDefault]
    public bool AwaitingAdmission { get; init; }

    [BsonRepresentation(BsonType.String)]
    public JobStatus Status { get; init; }

    /// <summary>Progress as of the last state change; the live value is in Redis.</summary>
    public int Progress { get; init; }

    /// <summary>Attempts started so far, including ones a crashed worker never finished.</summary>
    public int Attempts { get; init; }

    /// <summary>Incremented by every state change, so older snapshots never overwrite newer ones in Redis.</summary>
    public long Version { get; init; }

    public bool CancelRequested { get; init; }

    /// <summary>
    /// The lease token of the worker running the current attempt. Every transition out of
    /// <see cref="JobStatus.Running"/> is conditional on it, so a worker that lost its lease changes nothing.
    /// </summary>
    public string? LeaseOwner { get; init; }

    /// <summary>When a job waiting to be retried is due.</summary>
    public DateTime? NextAttemptAt { get; init; }

    [BsonRepresentation(BsonType.ObjectId)]
    public string? SongId { get; init; }

    public string? Error { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the request that submitted the job; every attempt's span joins that trace.</summary>
    public string? TraceParent { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>When the current (or last) attempt started.</summary>
    public DateTime? StartedAt { get; init; }

    public DateTime? CompletedAt { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<JobType>))]
public enum JobType
{
    [JsonStringEnumMemberName("song")]
    Song,
}

[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("pending")]
    Pending,

    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("canceled")]
    Canceled,
}

public static class JobStatusExtensions
{
    /// <summary>Whether the job has finished for good; nothing changes a final job again.</summary>
    public static bool IsFinal(this JobStatus status) => status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;
}
