using System.Runtime.Versioning;
using Harmonia.AppHost.Infrastructure.Mail;
using Harmonia.AppHost.Infrastructure.MongoDB;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>Redis, MongoDB and the mail server as local processes, for machines without a container runtime.</summary>
[SupportedOSPlatform("linux")]
public static class LocalInfrastructureExtensions
{
    /// <summary>What only the config file says: loopback only, and the password (kept off the command line).</summary>
    private static readonly string[] LocalOnlySettings = ["bind 127.0.0.1", "protected-mode yes"];

    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, [ResourceName] string name, string redisServerPath)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var workingDirectory = Directory.CreateTempSubdirectory("harmonia-redis-").FullName;
        var redis = new LocalRedisResource(name, redisServerPath, workingDirectory, password);

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("The Redis connection string is not available yet."),
            name: healthCheckKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: LocalRedisResource.PrimaryEndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add(redis.ConfigFilePath);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                foreach (var argument in RedisSettings.Arguments)
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted((resource, _, cancellationToken) =>
                WriteRedisConfigAsync(resource.ConfigFilePath, resource.PasswordParameter, cancellationToken))
            .OnConnectionStringAvailable(async (resource, _, cancellationToken) =>
                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }

    /// <summary>Writes what a local Redis reads from its config file rather than its command line; only the owner may read it.</summary>
    internal static async Task WriteRedisConfigAsync(string path, ParameterResource password, CancellationToken cancellationToken)
    {
        var secret = await password.GetValueAsync(cancellationToken);
        await File.WriteAllLinesAsync(path, [.. LocalOnlySettings, $"requirepass {secret}"], cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public static IResourceBuilder<MongoWireServerResource> AddMongoWireServer(this IDistributedApplicationBuilder builder, [ResourceName] string name, string jongodbPath)
    {
        var server = new MongoWireServerResource(name, jongodbPath, Path.GetTempPath());

        return builder.AddResource(server)
            .WithEndpoint(name: MongoWireServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("--host=127.0.0.1");
                context.Args.Add(ReferenceExpression.Create(
                    $"--port={server.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
            })
            .WithPingHealthCheck()
            .WithIconName("DatabaseMultiple");
    }

    /// <summary>
    /// smtp4dev with its messages in memory, SMTP and the UI on loopback only, no IMAP or POP3, and no settings
    /// from the user's profile, so every run starts empty and alike. The UI is at <paramref name="uiPort"/>, or at
    /// a port allocated per run when null.
    /// </summary>
    public static IResourceBuilder<LocalMailServerResource> AddLocalMailServer(this IDistributedApplicationBuilder builder, [ResourceName] string name, string smtp4devPath, int? uiPort)
    {
        var workingDirectory = Directory.CreateTempSubdirectory("harmonia-mail-").FullName;
        var server = new LocalMailServerResource(name, smtp4devPath, workingDirectory);

        return builder.AddResource(server)
            .WithEndpoint(name: IMailServerResource.SmtpEndpointName, scheme: "tcp")
            .WithHttpEndpoint(port: uiPort, name: IMailServerResource.UiEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add(ReferenceExpression.Create($"--urls=http://127.0.0.1:{server.UiEndpoint.Property(EndpointProperty.TargetPort)}"));
                context.Args.Add(ReferenceExpression.Create($"--smtpport={server.SmtpEndpoint.Property(EndpointProperty.TargetPort)}"));
                context.Args.Add("--allowremoteconnections-");
                context.Args.Add("--db=");
                context.Args.Add("--imapport=");
                context.Args.Add("--pop3port=");
                context.Args.Add("--nousersettings");
                context.Args.Add($"--baseappdatapath={workingDirectory}");
                context.Args.Add($"--messagestokeep={MailServerBuilderExtensions.MessagesToKeep}");
            })
            .WithMailUi();
    }
}
