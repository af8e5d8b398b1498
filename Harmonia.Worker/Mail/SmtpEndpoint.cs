using System.Data.Common;
using MailKit.Security;

namespace Harmonia.Worker.Mail;

/// <summary>
/// The SMTP server from <c>ConnectionStrings:mail</c>: <c>Endpoint=smtp://host:port;Username=…;Password=…</c>
/// (the form of Aspire's MailKit integration). <c>smtps://</c> means TLS from the first byte; <c>smtp://</c>
/// upgrades with STARTTLS, and insists on it whenever credentials are given, so a password never crosses the
/// network in clear (a stripped STARTTLS offer fails the send instead). Azure Communication Services:
/// <c>Endpoint=smtp://smtp.azurecomm.net:587;Username=&lt;SMTP username&gt;;Password=&lt;Entra app secret&gt;</c>.
/// </summary>
public sealed record SmtpEndpoint(string Host, int Port, SecureSocketOptions Security, string? Username, string? Password)
{
    public const string ConnectionName = "mail";

    public static SmtpEndpoint Parse(string connectionString)
    {
        var parts = new DbConnectionStringBuilder();
        try
        {
            parts.ConnectionString = connectionString;
        }
        catch (ArgumentException exception)
        {
            throw new FormatException("The mail connection string is not a list of Key=Value pairs.", exception);
        }

        var endpoint = parts.TryGetValue("Endpoint", out var value) && Uri.TryCreate(value as string, UriKind.Absolute, out var uri)
            ? uri
            : throw new FormatException("The mail connection string needs Endpoint=smtp://host:port (or smtps://).");
        var username = parts.TryGetValue("Username", out var user) ? user as string : null;
        var password = parts.TryGetValue("Password", out var secret) ? secret as string : null;
        var security = endpoint.Scheme switch
        {
            "smtps" => SecureSocketOptions.SslOnConnect,
            "smtp" when username is { Length: > 0 } => SecureSocketOptions.StartTls,
            "smtp" => SecureSocketOptions.StartTlsWhenAvailable,
            _ => throw new FormatException($"The mail endpoint's scheme must be smtp or smtps, not '{endpoint.Scheme}'."),
        };

        return new SmtpEndpoint(endpoint.Host, endpoint.IsDefaultPort ? (security is SecureSocketOptions.SslOnConnect ? 465 : 587) : endpoint.Port, security, username, password);
    }
}
