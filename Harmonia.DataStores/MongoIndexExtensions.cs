using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.DataStores;

public static class MongoIndexExtensions
{
    /// <summary>
    /// Creates <typeparamref name="TIndexes"/> at startup (in the background) and reports readiness once done. Every
    /// feature that uses a collection may declare its indexes; each set is registered once however often declared.
    /// </summary>
    public static IServiceCollection AddMongoIndexes<TIndexes>(this IServiceCollection services)
        where TIndexes : class, IMongoIndexes
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMongoIndexes, TIndexes>());
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
