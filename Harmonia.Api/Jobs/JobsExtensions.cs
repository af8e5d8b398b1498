using Harmonia.Api.Http;
using Harmonia.Api.Streaming;
using Harmonia.Jobs;

namespace Harmonia.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Submitting, reading, watching and canceling generation jobs.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddJobQueue();
        services.AddSingleton<JobService>();
        services.AddSingleton<JobEvents>();
        services.AddEventStreams();
        services.AddApiJsonTypes(JobsJsonContext.Default);

        return builder;
    }
}
