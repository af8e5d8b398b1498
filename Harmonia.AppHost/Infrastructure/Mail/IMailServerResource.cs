namespace Harmonia.AppHost.Infrastructure.Mail;

/// <summary>
/// A development mail server (smtp4dev) that accepts every message and shows it in a web UI instead of
/// delivering it. Services reach it as <c>ConnectionStrings:mail</c> = <c>Endpoint=smtp://host:port</c>.
/// </summary>
public interface IMailServerResource : IResourceWithConnectionString, IResourceWithEndpoints
{
    public const string SmtpEndpointName = "smtp";
    public const string UiEndpointName = "http";

    EndpointReference SmtpEndpoint { get; }

    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression =>
        ReferenceExpression.Create($"Endpoint=smtp://{SmtpEndpoint.Property(EndpointProperty.HostAndPort)}");
}
