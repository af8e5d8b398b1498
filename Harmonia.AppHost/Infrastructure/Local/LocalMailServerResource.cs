using Harmonia.AppHost.Infrastructure.Mail;

namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>smtp4dev as a local process (a dotnet tool), for machines without a container runtime; it keeps messages in memory.</summary>
public sealed class LocalMailServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IMailServerResource
{
    public EndpointReference SmtpEndpoint => field ??= new(this, IMailServerResource.SmtpEndpointName);

    public EndpointReference UiEndpoint => field ??= new(this, IMailServerResource.UiEndpointName);
}
