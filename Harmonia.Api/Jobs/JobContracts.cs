using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Validation;
using Harmonia.Jobs;

namespace Harmonia.Api.Jobs;

/// <summary>A request to generate something; only songs so far.</summary>
public sealed record CreateJobRequest(
    [property: Required, AllowedValues("song")] string Type,
    [property: Required, StringLength(CreateJobRequest.MaximumPromptLength, MinimumLength = 3), PlainText] string Prompt,
    [property: Range(CreateJobRequest.MinimumDurationSeconds, CreateJobRequest.MaximumDurationSeconds)] int DurationSeconds)
{
    public const int MaximumPromptLength = 500;
    public const int MinimumDurationSeconds = 1;
    public const int MaximumDurationSeconds = 30;

    /// <summary>Whether <paramref name="job"/> was created from an identical request (same Idempotency-Key, same body).</summary>
    public bool Matches(JobDocument job) =>
        job.Type is JobType.Song && job.Prompt == Prompt.Trim() && job.DurationSeconds == DurationSeconds;
}

/// <summary>
/// A job as its owner sees it; <paramref name="Queue"/> is set while it waits for a worker. <paramref name="Version"/>
/// orders its states, with <paramref name="Progress"/> within one version: notifications of one job come from several
/// processes (the API, workers) and may arrive out of order, so a client keeps the one with the higher pair.
/// </summary>
public sealed record JobResponse(
    string Id,
    JobType Type,
    JobStatus Status,
    int Progress,
    long Version,
    string Prompt,
    int DurationSeconds,
    JobResultResponse? Result,
    string? Error,
    int Attempts,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    JobQueueResponse? Queue)
{
    public static JobResponse From(JobSnapshot job, QueuePlace? place = null) => new(
        job.Id,
        job.Type,
        job.Status,
        job.Progress,
        job.Version,
        job.Prompt,
        job.DurationSeconds,
        job.SongId is { } songId ? new JobResultResponse(songId, $"/songs/{songId}/audio") : null,
        job.Error,
        job.Attempts,
        job.CancelRequested,
        job.CreatedAt,
        job.StartedAt,
        job.CompletedAt,
        place is null ? null : new JobQueueResponse(place.Position, place.EstimatedStartAt));
}

/// <summary>
/// A waiting job's place: <paramref name="Position"/> 1 starts next (under the round-robin scheduler), and the estimated
/// start from the measured run times, absent until one has been measured.
/// </summary>
public sealed record JobQueueResponse(int Position, DateTimeOffset? EstimatedStartAt);

/// <summary>What a completed song job produced.</summary>
public sealed record JobResultResponse(string SongId, string AudioUrl);

/// <summary>Which page of the caller's jobs to show: <c>?page=1&amp;pageSize=20</c>, within <see cref="PageDepth"/>.</summary>
public sealed record JobListQuery(
    [property: Range(1, PageDepth.MaximumItems)] int? Page,
    [property: Range(1, JobListQuery.MaximumPageSize)] int? PageSize) : IValidatableObject
{
    public const int MaximumPageSize = 100;
    private const int DefaultPageSize = 20;

    public int PageNumber => Page ?? 1;

    public int Size => PageSize ?? DefaultPageSize;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => PageDepth.Check(PageNumber, Size, nameof(Page));
}

/// <summary>One page of the caller's jobs, newest first.</summary>
public sealed record JobPageResponse(IReadOnlyList<JobResponse> Items, int Page, int PageSize, bool HasMore);
