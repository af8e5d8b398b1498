namespace Harmonia.AppHost.Infrastructure.Mail;

/// <summary>The <c>rnwood/smtp4dev</c> container, for machines with a container runtime.</summary>
public sealed class MailServerContainerResource(string name) : ContainerResource(name), IMailServerResource
{
    public EndpointReference SmtpEndpoint => field ??= new(this, IMailServerResource.SmtpEndpointName);
}
