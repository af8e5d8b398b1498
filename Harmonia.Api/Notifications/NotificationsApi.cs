using System.Security.Claims;
using Harmonia.Api.Auth;
using Harmonia.Api.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Harmonia.Api.Notifications;

public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/notifications").WithTags("Notifications").RequireAuthorization()
            .MapGet("", WatchAsync)
            .WithSummary("Everything about the signed-in user as server-sent events: jobs, library changes, the session's end; resumable with Last-Event-ID");

        return app;
    }

    private static Results<ServerSentEventsResult<string>, ProblemHttpResult> WatchAsync(
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        ClaimsPrincipal user,
        NotificationFeeds feeds,
        EventStreams streams,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        if (streams.TryOpen(context) is not { } lease)
        {
            return streams.Refusal(context);
        }

        // However the request ends, the slot is freed and the feed (its subscription) disposed.
        context.Response.RegisterForDisposeAsync(lease);
        var feed = feeds.Open(user.GetUserId(), user.GetSessionId(), lastEventId);
        lease.Own(feed);
        return TypedResults.ServerSentEvents(lease.Run(feed.ReadAllAsync(cancellationToken), cancellationToken));
    }
}
