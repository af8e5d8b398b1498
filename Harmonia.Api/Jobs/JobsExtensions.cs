using Harmonia.Contracts.Jobs;
using Harmonia.Contracts.Songs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Submitting, reading, watching and canceling generation jobs, and serving the audio they produce.</summary>
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
        services.TryAddSingleton<SongStore>();

        services.AddSingleton<JobMetrics>();
        services.AddSingleton<JobStatusStore>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobService>();
        services.AddSingleton<JobEvents>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, JobsJsonContext.Default));

        return builder;
    }
}
