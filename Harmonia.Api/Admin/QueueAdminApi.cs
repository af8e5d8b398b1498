using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Harmonia.Api.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using MongoDB.Bson;

namespace Harmonia.Api.Admin;

/// <summary>The queue view's endpoints: administrators only, like the cache's; the dashboard's worker commands call them.</summary>
public static class QueueAdminApi
{
    public static IEndpointRouteBuilder MapQueueAdminApi(this IEndpointRouteBuilder app)
    {
        // Not in the public OpenAPI document, like the cache's (AdminApi).
        var queue = app.MapGroup("/admin/jobs").WithTags("Admin").RequireAuthorization(AdminApi.Policy).ExcludeFromDescription();

        queue.MapGet("", ListAsync).WithSummary("One page of the waiting, delayed, running or failed jobs, with owner, attempts and last error");
        queue.MapPost("/{id:objectid}/retry", RetryAsync).WithSummary("Put a failed job back in the queue with a fresh set of attempts");
        queue.MapPost("/{id:objectid}/cancel", CancelAsync).WithSummary("Cancel a pending or running job of any user");
        queue.MapDelete("/{id:objectid}", RemoveAsync).WithSummary("Delete a finished (completed, failed or canceled) job");
        queue.MapPost("/delayed/drain", DrainDelayedAsync).WithSummary("End every retry backoff and dispatch the delayed jobs now");

        return app;
    }

    private static async Task<Ok<QueuePageResponse>> ListAsync(
        QueueAdministration queue,
        CancellationToken cancellationToken,
        [AllowedValues("waiting", "delayed", "running", "failed")] string place = "waiting",
        [Range(1, 10_000)] int page = 1,
        [Range(1, 100)] int pageSize = 20) =>
        TypedResults.Ok(await queue.ListAsync(Enum.Parse<QueuePlaceKind>(place, ignoreCase: true), page, pageSize, cancellationToken));

    private static async Task<Results<Ok<QueueCommandResponse>, NotFound<QueueCommandResponse>>> RetryAsync(
        ObjectId id, ClaimsPrincipal user, QueueAdministration queue) =>
        await queue.RetryAsync(id.ToString(), user) is { } job
            ? TypedResults.Ok(new QueueCommandResponse($"Job {id} is back in the queue.", job))
            : TypedResults.NotFound(new QueueCommandResponse($"There is no failed job {id}."));

    private static async Task<Results<Ok<QueueCommandResponse>, NotFound<QueueCommandResponse>, Conflict<QueueCommandResponse>>> CancelAsync(
        ObjectId id, ClaimsPrincipal user, QueueAdministration queue)
    {
        var cancellation = await queue.CancelAsync(id.ToString(), user);
        return cancellation.Outcome switch
        {
            CancelOutcome.Canceled => TypedResults.Ok(new QueueCommandResponse($"Job {id} is canceled.")),
            CancelOutcome.Requested => TypedResults.Ok(new QueueCommandResponse($"Job {id} is running; its worker has been told to stop.")),
            CancelOutcome.AlreadyFinished => TypedResults.Conflict(new QueueCommandResponse($"Job {id} has already {cancellation.Job!.Status.ToString().ToLowerInvariant()}.")),
            _ => TypedResults.NotFound(new QueueCommandResponse($"There is no job {id}.")),
        };
    }

    private static async Task<Results<Ok<QueueCommandResponse>, Conflict<QueueCommandResponse>>> RemoveAsync(
        ObjectId id, ClaimsPrincipal user, QueueAdministration queue) =>
        await queue.RemoveAsync(id.ToString(), user)
            ? TypedResults.Ok(new QueueCommandResponse($"Job {id} is removed."))
            : TypedResults.Conflict(new QueueCommandResponse($"There is no finished job {id}; cancel a pending or running job first."));

    private static async Task<Ok<QueueCommandResponse>> DrainDelayedAsync(ClaimsPrincipal user, QueueAdministration queue, CancellationToken cancellationToken) =>
        TypedResults.Ok(new QueueCommandResponse($"Dispatched {await queue.DrainDelayedAsync(user, cancellationToken)} delayed jobs now."));
}
