using Harmonia.Api.Http;
using Harmonia.Api.Streaming;
using Harmonia.Notifications;

namespace Harmonia.Api.Notifications;

public static class NotificationsExtensions
{
    /// <summary>The per-user notification stream, <c>GET /notifications</c>.</summary>
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddUserNotifications();
        services.AddEventStreams();
        // Job notifications show the job as GET /jobs/{id} does, with its place in the queue (JobService, from AddJobs).
        services.AddSingleton<NotificationFeeds>();
        services.AddApiJsonTypes(NotificationsApiJsonContext.Default);
        return builder;
    }
}
