namespace Harmonia.AppHost.Infrastructure.Mail;

public static class MailServerBuilderExtensions
{
    /// <summary>smtp4dev keeps the last N messages; enough that a test run's hundreds of sign-ups push out no message a test still reads.</summary>
    internal const int MessagesToKeep = 10_000;

    /// <summary>The image's tag; v3 is the line smtp4dev publishes its 3.x releases under (the local tool is 3.15.0).</summary>
    private const string ImageTag = "v3";

    /// <summary>smtp4dev's container, its messages in memory, its UI at <paramref name="uiPort"/> (allocated per run when null).</summary>
    public static IResourceBuilder<MailServerContainerResource> AddMailServerContainer(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? uiPort) =>
        builder.AddResource(new MailServerContainerResource(name))
            .WithImage("rnwood/smtp4dev", ImageTag)
            .WithEndpoint(targetPort: 25, name: IMailServerResource.SmtpEndpointName, scheme: "tcp")
            .WithHttpEndpoint(port: uiPort, targetPort: 80, name: IMailServerResource.UiEndpointName)
            .WithEnvironment("ServerOptions__Database", "")
            .WithEnvironment("ServerOptions__NumberOfMessagesToKeep", MessagesToKeep.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithMailUi();

    /// <summary>Links the mail UI from the dashboard and checks the server answers through it.</summary>
    public static IResourceBuilder<T> WithMailUi<T>(this IResourceBuilder<T> mail)
        where T : IMailServerResource =>
        mail.WithUrlForEndpoint(IMailServerResource.UiEndpointName, url => url.DisplayText = "Mail UI (smtp4dev)")
            .WithHttpHealthCheck("/api/messages?pageSize=1", endpointName: IMailServerResource.UiEndpointName)
            .WithIconName("Mail");
}
