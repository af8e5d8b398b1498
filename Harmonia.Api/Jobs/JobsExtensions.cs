using Harmonia.Contracts.Jobs;

namespace Harmonia.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Submitting, reading, watching and canceling generation jobs.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobQueueOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<JobStore>();
        // Idempotent submissions rely on the unique (userId, idempotencyKey) index.
        services.AddMongoIndexes<JobStore.Indexes>();

        services.AddSingleton<JobMetrics>();
        services.AddSingleton<JobStatusStore>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobService>();
        services.AddSingleton<JobEvents>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, JobsJsonContext.Default));

        return builder;
    }
}
