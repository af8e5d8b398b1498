using Harmonia.Worker.Mail;
using MailKit.Security;

namespace Harmonia.Tests.Mail;

public sealed class SmtpEndpointTests
{
    [Fact]
    public void SmtpWithoutCredentialsUpgradesWhenTheServerOffersTls()
    {
        var endpoint = SmtpEndpoint.Parse("Endpoint=smtp://localhost:2525");

        Assert.Equal(new SmtpEndpoint("localhost", 2525, SecureSocketOptions.StartTlsWhenAvailable, null, null), endpoint);
    }

    [Fact]
    public void CredentialsAreNeverSentWithoutTls()
    {
        var endpoint = SmtpEndpoint.Parse("Endpoint=smtp://smtp.azurecomm.net:587;Username=acs.app.tenant;Password=\"p@ss;word=\"");

        Assert.Equal(SecureSocketOptions.StartTls, endpoint.Security);
        Assert.Equal(("acs.app.tenant", "p@ss;word="), (endpoint.Username, endpoint.Password));
    }

    [Theory]
    [InlineData("Endpoint=smtps://mail.example.com", 465, SecureSocketOptions.SslOnConnect)]
    [InlineData("Endpoint=smtp://mail.example.com", 587, SecureSocketOptions.StartTlsWhenAvailable)]
    public void DefaultPortsFollowTheScheme(string connectionString, int port, SecureSocketOptions security)
    {
        var endpoint = SmtpEndpoint.Parse(connectionString);

        Assert.Equal((port, security), (endpoint.Port, endpoint.Security));
    }

    [Theory]
    [InlineData("smtp://localhost:25")]
    [InlineData("Endpoint=http://localhost:25")]
    [InlineData("Host=localhost")]
    public void AnythingElseIsRefusedAtStart(string connectionString) =>
        Assert.Throws<FormatException>(() => SmtpEndpoint.Parse(connectionString));
}
