using Harmonia.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class MongoIndexExtensions
{
    /// <summary>Creates <typeparamref name="TIndexes"/> at startup (in the background) and reports readiness once done.</summary>
    public static IServiceCollection AddMongoIndexes<TIndexes>(this IServiceCollection services)
        where TIndexes : class, IMongoIndexes
    {
        services.AddSingleton<IMongoIndexes, TIndexes>();

        if (services.Any(service => service.ServiceType == typeof(MongoIndexInitializer)))
        {
            return services;
        }

        services.AddSingleton<MongoIndexInitializer>();
        services.AddHostedService(provider => provider.GetRequiredService<MongoIndexInitializer>());
        services.AddHealthChecks().AddCheck<MongoIndexInitializer>("mongodb-indexes");
        return services;
    }
}
