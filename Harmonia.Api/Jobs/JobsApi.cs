using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.RateLimiting;
using Harmonia.Api.Streaming;
using Harmonia.Api.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MongoDB.Bson;

namespace Harmonia.Api.Jobs;

public static class JobsApi
{
    private const int MaximumIdempotencyKeyLength = 255;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization();

        jobs.MapPost("", SubmitAsync).WithSummary("Ask for a song to be generated; honours an Idempotency-Key header");
        jobs.MapGet("", ListAsync).WithSummary("The caller's jobs, newest first");
        jobs.MapGet("/{id:objectid}", GetAsync).WithSummary("A job's status, progress and result");
        jobs.MapGet("/{id:objectid}/events", WatchAsync).WithSummary("A job's progress as server-sent events, ending with its final state");
        jobs.MapPost("/{id:objectid}/cancel", CancelAsync).WithSummary("Cancel a pending or running job");

        return app;
    }

    private static async Task<Results<Accepted<JobResponse>, ProblemHttpResult>> SubmitAsync(
        CreateJobRequest request,
        [FromHeader(Name = "Idempotency-Key"), StringLength(MaximumIdempotencyKeyLength), PlainText] string? idempotencyKey,
        ClaimsPrincipal user,
        JobService jobs,
        HttpContext context)
    {
        var submission = await jobs.SubmitAsync(user.GetUserId(), request, idempotencyKey);
        if (submission.Job is { } job)
        {
            return TypedResults.Accepted($"/jobs/{job.Id}", JobResponse.From(job, await jobs.FindPlaceAsync(job)));
        }

        if (submission.Refusal is { } refusal)
        {
            return CapReached(context, refusal);
        }

        return submission.EarlierInProgress
            ? EarlierInProgress(context)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "This Idempotency-Key was already used for a different request.");
    }

    /// <summary>
    /// 409 while the earlier request with the key has not reached its verdict (a fraction of a second, as a rule; up to
    /// the admission bound, a minute, after a submission that failed and could not withdraw its job): its job may still
    /// be refused, so the repeat is neither accepted nor refused yet.
    /// </summary>
    private static ProblemHttpResult EarlierInProgress(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "The earlier request with this Idempotency-Key is still being processed.",
            detail: "Send the request again in a moment to get its answer.");
    }

    /// <summary>429 quota-exceeded, naming the cap (<c>cap</c>, <c>limit</c>) and when to submit again (<c>Retry-After</c>).</summary>
    private static ProblemHttpResult CapReached(HttpContext context, CapRefusal refusal)
    {
        var retryAfter = (long)Math.Ceiling(refusal.RetryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var daily = refusal.Cap == "daily";
        return TypedResults.Problem(new ProblemDetails
        {
            Type = RateLimitResponse.QuotaExceededType,
            Title = daily ? "Daily job quota reached." : "Too many jobs waiting.",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = daily
                ? $"You have submitted {refusal.Limit} jobs in the last 24 hours, the most one user may. Submit again once the oldest of them is a day old, in {retryAfter} s."
                : $"You have {refusal.Limit} jobs waiting to start, the most one user may. Submit again once one starts, in about {retryAfter} s.",
            Extensions = { ["cap"] = refusal.Cap, ["limit"] = refusal.Limit },
        });
    }

    private static async Task<Ok<JobPageResponse>> ListAsync(
        [AsParameters] JobListQuery query, ClaimsPrincipal user, JobService jobs, CancellationToken cancellationToken)
    {
        var (items, hasMore) = await jobs.ListAsync(user.GetUserId(), query.PageNumber, query.Size, cancellationToken);
        return TypedResults.Ok(new JobPageResponse([.. items.Select(job => JobResponse.From(job))], query.PageNumber, query.Size, hasMore));
    }

    private static async Task<Results<Ok<JobResponse>, NotFound>> GetAsync(
        ObjectId id, ClaimsPrincipal user, JobService jobs, CancellationToken cancellationToken) =>
        await jobs.GetAsync(user.GetUserId(), id.ToString(), cancellationToken) is { } job
            ? TypedResults.Ok(JobResponse.From(job, await jobs.FindPlaceAsync(job)))
            : TypedResults.NotFound();

    private static async Task<Results<ServerSentEventsResult<JobResponse>, NotFound, ProblemHttpResult>> WatchAsync(
        ObjectId id, ClaimsPrincipal user, JobEvents events, EventStreams streams, HttpContext context, CancellationToken cancellationToken)
    {
        if (streams.TryOpen(context) is not { } lease)
        {
            return streams.Refusal(context);
        }

        // From here on, however the request ends, the slot is freed and the feed (its subscriptions) disposed.
        context.Response.RegisterForDisposeAsync(lease);
        if (await events.OpenAsync(user.GetUserId(), id.ToString(), cancellationToken) is not { } feed)
        {
            return TypedResults.NotFound();
        }

        lease.Own(feed);
        return TypedResults.ServerSentEvents(lease.Run(feed.ReadAllAsync(cancellationToken), cancellationToken));
    }

    private static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, NotFound, ProblemHttpResult>> CancelAsync(
        ObjectId id, ClaimsPrincipal user, JobService jobs)
    {
        var cancellation = await jobs.CancelAsync(user.GetUserId(), id.ToString());
        return cancellation.Outcome switch
        {
            CancelOutcome.Canceled => TypedResults.Ok(JobResponse.From(cancellation.Job!)),
            CancelOutcome.Requested => TypedResults.Accepted($"/jobs/{id}", JobResponse.From(cancellation.Job!)),
            CancelOutcome.AlreadyFinished => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: $"The job has already {cancellation.Job!.Status.ToString().ToLowerInvariant()}."),
            _ => TypedResults.NotFound(),
        };
    }
}
