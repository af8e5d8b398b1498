using Harmonia.Mail;
using Microsoft.Extensions.Options;

namespace Harmonia.Worker.Mail;

public static class MailDeliveryExtensions
{
    /// <summary>
    /// Sends what the API queues in the outbox, over the SMTP server in <c>ConnectionStrings:mail</c>. The worker,
    /// not the API, sends: it already runs the background work, it is the only service that needs the SMTP
    /// secret, and a burst of sign-ups then costs the API replicas one insert per message, never an SMTP session.
    /// </summary>
    public static IHostApplicationBuilder AddMailDelivery(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddMailOutbox();
        services.AddOptions<MailDeliveryOptions>()
            .BindConfiguration(MailDeliveryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString(SmtpEndpoint.ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{SmtpEndpoint.ConnectionName} is not set; the worker sends mail through it.");
        var endpoint = SmtpEndpoint.Parse(connectionString);
        services.AddSingleton(provider => new SmtpMailTransport(endpoint, provider.GetRequiredService<IOptions<MailDeliveryOptions>>()));
        services.AddSingleton<MailMetrics>();
        services.AddHostedService<MailDelivery>();
        services.AddHostedService<MailQueueMonitor>();
        return builder;
    }
}
