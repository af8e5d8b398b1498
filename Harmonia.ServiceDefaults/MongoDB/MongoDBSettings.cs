namespace Harmonia.ServiceDefaults.MongoDB;

/// <summary>
/// Settings for <see cref="Microsoft.Extensions.Hosting.MongoDBClientExtensions.AddMongoDBClient"/>, shaped
/// like the official Aspire.MongoDB.Driver integration's so that package can replace this one.
/// Bound from <c>Aspire:MongoDB:Driver</c>, then <c>Aspire:MongoDB:Driver:{connectionName}</c>;
/// <c>ConnectionStrings:{connectionName}</c> wins over both.
/// </summary>
public sealed class MongoDBSettings
{
    /// <summary>The MongoDB connection string; a database name in its path registers <c>IMongoDatabase</c> too.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Skips the ping health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>How long the ping health check may take, in milliseconds.</summary>
    public int? HealthCheckTimeout { get; set; }

    /// <summary>Turns off the driver's own OpenTelemetry command spans.</summary>
    public bool DisableTracing { get; set; }
}
