using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Mail;

public static class MailOutboxExtensions
{
    /// <summary>The outbox, for the API (which queues messages) and the worker (which sends them).</summary>
    public static IServiceCollection AddMailOutbox(this IServiceCollection services)
    {
        services.TryAddSingleton<MailOutbox>();
        return services.AddMongoIndexes<MailOutbox.Indexes>();
    }
}
