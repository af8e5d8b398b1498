using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Api.Streaming;

public static class EventStreamsExtensions
{
    /// <summary>Admission and lifetime of long-lived streams (<see cref="EventStreams"/>), for every feature that serves one.</summary>
    public static IServiceCollection AddEventStreams(this IServiceCollection services)
    {
        services.AddOptions<EventStreamOptions>()
            .BindConfiguration(EventStreamOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<EventStreams>();
        return services;
    }
}
