using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;
using Harmonia.Worker.Jobs.Generation;
using Harmonia.Worker.Retention;

namespace Harmonia.Worker.Jobs;

public static class JobsExtensions
{
    /// <summary>Consumes the job queue: the worker loop, the reconciler, the queue gauges, the song generator and retention (of mail too).</summary>
    public static IHostApplicationBuilder AddJobProcessing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddJobQueue();
        services.AddOptions<JobWorkerOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // A job stores a song and a library item; the unique jobId indexes on both make completion exactly once.
        services.AddSongStore();
        services.AddLibraryStore();

        services.AddSingleton<JobStreamConsumer>();
        services.AddSingleton<JobClaims>();
        services.AddSingleton<JobSettler>();
        services.AddSingleton<SongLibraryWriter>();
        services.AddSingleton<MongoTransactionSupport>();
        services.AddSingleton<JobCompletion>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<ISongGenerator, SynthSongGenerator>();

        services.AddHostedService<JobWorker>();
        services.AddHostedService<JobReconciler>();
        services.AddHostedService<QueueDepthMonitor>();

        // Finished jobs, unreferenced audio and settled mail do not pile up. Retention registers the outbox itself
        // (a second registration is a no-op), so a host that processes jobs without sending mail still starts.
        services.AddMailOutbox();
        services.AddOptions<RetentionOptions>()
            .BindConfiguration(RetentionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<RetentionSweeper>();
        return builder;
    }
}
