using Harmonia.DataStores;
using Harmonia.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Jobs;

public static class JobQueueExtensions
{
    /// <summary>
    /// What the API and the worker both need to speak the queue: its options, the jobs collection and its indexes
    /// (idempotent submissions and exactly-once outcomes rely on them), dispatch, live status, queue places, cancellation and metrics.
    /// </summary>
    public static IServiceCollection AddJobQueue(this IServiceCollection services)
    {
        services.AddOptions<JobQueueOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<JobStore>();
        services.AddMongoIndexes<JobStore.Indexes>();
        services.TryAddSingleton<JobMetrics>();
        services.AddUserNotifications();
        services.TryAddSingleton<JobStatusStore>();
        services.TryAddSingleton<JobDispatcher>();
        services.TryAddSingleton<JobCancellations>();
        services.TryAddSingleton<JobQueuePlaces>();
        return services;
    }
}
