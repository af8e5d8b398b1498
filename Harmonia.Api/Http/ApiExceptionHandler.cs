using Harmonia.DataStores;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Harmonia.Api.Http;

/// <summary>
/// Turns the failures a client can cause or wait out into 4xx/503 ProblemDetails: unreadable requests
/// (malformed JSON, oversized bodies) keep their 400/413, and an unreachable MongoDB or Redis answers 503 with
/// Retry-After. Anything else stays a 500 with a trace id.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException badRequest => new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = badRequest.Message,
            },
            MongoConnectionException or TimeoutException or MongoExecutionTimeoutException => Unavailable(),
            // A replica set between primaries: an election interrupted the call, or the node it reached no longer takes writes.
            MongoNotPrimaryException or MongoNodeIsRecoveringException => Unavailable(),
            _ when exception.IsRedisConnectionLoss() => Unavailable(),
            RedisServerException server when IsWaitingRedis(server) => Unavailable(),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    private static ProblemDetails Unavailable() => new()
    {
        Status = StatusCodes.Status503ServiceUnavailable,
        Title = "The data store is unavailable; try again shortly.",
    };

    /// <summary>
    /// Errors by which a reachable Redis says "not now": still loading its data set, busy with a script, a replica cut
    /// off from its primary, a cluster without all its slots or in the middle of moving one. Any other error reply
    /// (a script's bug, a wrong type) is the API's fault and stays a 500.
    /// </summary>
    private static bool IsWaitingRedis(RedisServerException exception) =>
        exception.Message.Split(' ', 2)[0] is "LOADING" or "BUSY" or "MASTERDOWN" or "CLUSTERDOWN" or "TRYAGAIN";
}
