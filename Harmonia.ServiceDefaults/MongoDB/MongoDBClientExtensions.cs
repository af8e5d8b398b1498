using Harmonia.ServiceDefaults.MongoDB;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using MongoDB.Driver.Core.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a MongoDB client the way Aspire.MongoDB.Driver's <c>AddMongoDBClient</c> does (that package
/// is not served to this build): a singleton <see cref="IMongoClient"/>, an <see cref="IMongoDatabase"/>
/// when the connection string names one, a ping health check and the driver's native command tracing.
/// </summary>
public static class MongoDBClientExtensions
{
    private const string DefaultConfigSectionName = "Aspire:MongoDB:Driver";
    private const string HealthCheckName = "MongoDB.Driver";

    public static void AddMongoDBClient(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<MongoDBSettings>? configureSettings = null,
        Action<MongoClientSettings>? configureClientSettings = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var settings = ReadSettings(builder.Configuration, connectionName, configureSettings);

        builder.Services.AddSingleton<IMongoClient>(services => CreateClient(services, connectionName, settings, configureClientSettings));

        var databaseName = settings.ConnectionString is { Length: > 0 } connectionString
            ? MongoUrl.Create(connectionString).DatabaseName
            : null;
        if (!string.IsNullOrEmpty(databaseName))
        {
            builder.Services.AddSingleton(services => services.GetRequiredService<IMongoClient>().GetDatabase(databaseName));
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(MongoTelemetry.ActivitySourceName));
        }

        if (!settings.DisableHealthChecks && !string.IsNullOrEmpty(databaseName))
        {
            var timeout = settings.HealthCheckTimeout is > 0 ? TimeSpan.FromMilliseconds(settings.HealthCheckTimeout.Value) : (TimeSpan?)null;
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                HealthCheckName,
                services => new MongoDBHealthCheck(services.GetRequiredService<IMongoClient>(), databaseName),
                failureStatus: null,
                tags: null,
                timeout));
        }
    }

    private static MongoDBSettings ReadSettings(IConfiguration configuration, string connectionName, Action<MongoDBSettings>? configureSettings)
    {
        var settings = new MongoDBSettings();
        var section = configuration.GetSection(DefaultConfigSectionName);
        section.Bind(settings);
        section.GetSection(connectionName).Bind(settings);

        if (configuration.GetConnectionString(connectionName) is { } connectionString)
        {
            settings.ConnectionString = connectionString;
        }

        configureSettings?.Invoke(settings);
        return settings;
    }

    private static MongoClient CreateClient(
        IServiceProvider services,
        string connectionName,
        MongoDBSettings settings,
        Action<MongoClientSettings>? configureClientSettings)
    {
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionString is missing. It should be provided in 'ConnectionStrings:{connectionName}' or under the 'ConnectionString' key in '{DefaultConfigSectionName}' configuration section.");
        }

        var clientSettings = MongoClientSettings.FromConnectionString(settings.ConnectionString);
        clientSettings.TracingOptions = new TracingOptions { Disabled = settings.DisableTracing };
        configureClientSettings?.Invoke(clientSettings);
        clientSettings.LoggingSettings ??= new LoggingSettings(services.GetService<ILoggerFactory>());

        return new MongoClient(clientSettings);
    }
}
