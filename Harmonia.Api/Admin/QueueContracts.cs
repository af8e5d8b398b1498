using System.Text.Json.Serialization;
using Harmonia.Jobs;

namespace Harmonia.Api.Admin;

/// <summary>Where a job stands in its queue, as the queue view lists it (all read from MongoDB, the source of truth).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QueuePlaceKind>))]
public enum QueuePlaceKind
{
    /// <summary>Pending and free to start: in the waiting room, or about to be put back there by the reconciler.</summary>
    [JsonStringEnumMemberName("waiting")]
    Waiting,

    /// <summary>Pending until its retry backoff ends (<c>nextAttemptAt</c>).</summary>
    [JsonStringEnumMemberName("delayed")]
    Delayed,

    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>One job as an operator sees it: whose it is, how often it was tried, and what went wrong last.</summary>
public sealed record QueuedJobResponse(
    string Id,
    string Owner,
    JobStatus Status,
    int Attempts,
    string? LastError,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? NextAttemptAt)
{
    public static QueuedJobResponse From(JobDocument job) => new(
        job.Id,
        job.UserId,
        job.Status,
        job.Attempts,
        job.Error,
        job.CancelRequested,
        AsUtc(job.CreatedAt),
        AsUtc(job.UpdatedAt),
        job.StartedAt is { } started ? AsUtc(started) : null,
        job.NextAttemptAt is { } next ? AsUtc(next) : null);

    private static DateTimeOffset AsUtc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>One page of the jobs in one place of the queue, oldest change first (failed: newest first).</summary>
public sealed record QueuePageResponse(string Queue, QueuePlaceKind Place, IReadOnlyList<QueuedJobResponse> Items, int Page, int PageSize, bool HasMore);

/// <summary>What a queue command did, in a sentence for the dashboard, and the job it did it to when there is one.</summary>
public sealed record QueueCommandResponse(string Outcome, QueuedJobResponse? Job = null);
