using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Notifications;

public static class NotificationsExtensions
{
    /// <summary>Appending to (and reading) users' notification streams; every feature that tells users something calls it.</summary>
    public static IServiceCollection AddUserNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>()
            .BindConfiguration(NotificationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<UserNotifications>();
        return services;
    }
}
