using Harmonia.Contracts.Jobs;
using Harmonia.Contracts.Library;
using Harmonia.Contracts.Songs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.Options;

namespace Harmonia.Worker.Jobs;

public static class JobsExtensions
{
    /// <summary>Consumes the job queue: the worker loop, the reconciler, the queue gauges and the configured generator.</summary>
    public static IHostApplicationBuilder AddJobProcessing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobQueueOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<JobWorkerOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<JobStore>();
        services.AddSingleton<SongStore>();
        services.AddSingleton<LibraryStore>();
        // The unique jobId indexes are what make completion exactly once; the worker does not run without them.
        services.AddMongoIndexes<JobStore.Indexes>();
        services.AddMongoIndexes<SongStore.Indexes>();
        services.AddMongoIndexes<LibraryStore.Indexes>();

        services.AddSingleton<JobMetrics>();
        services.AddSingleton<JobStatusStore>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<JobStreamConsumer>();
        services.AddSingleton<JobCancellations>();
        services.AddSingleton<SongLibraryWriter>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton(CreateGenerator);

        services.AddHostedService<JobWorker>();
        services.AddHostedService<JobReconciler>();
        services.AddHostedService<QueueDepthMonitor>();
        return builder;
    }

    private static ISongGenerator CreateGenerator(IServiceProvider services) =>
        services.GetRequiredService<IOptions<JobWorkerOptions>>().Value.Generator switch
        {
            GeneratorKind.Failing => new FailingSongGenerator(),
            GeneratorKind.NoOp => new NoOpSongGenerator(),
            _ => ActivatorUtilities.CreateInstance<SynthSongGenerator>(services),
        };
}
