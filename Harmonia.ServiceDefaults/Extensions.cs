using Azure.Monitor.OpenTelemetry.Exporter;
using Harmonia.ServiceDefaults;
using Harmonia.ServiceDefaults.MongoDB;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The host setup every Harmonia service shares: telemetry, health checks, service discovery and
/// resilient HTTP clients, as the Aspire service defaults template has it.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    /// <summary>The connection string (<c>ConnectionStrings:appinsights</c>) of the Application Insights the services report to when deployed.</summary>
    private const string AzureMonitorConnectionName = "appinsights";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.WriteErrorsToStandardError();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(HarmoniaTelemetry.MeterNames))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(HarmoniaTelemetry.ActivitySourceNames)
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes poll every few seconds; their spans would drown the ones worth reading.
                    aspNetCore.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation()
                // Processors run in the order added: this one before the exporters below.
                .AddProcessor<MongoErrorMessageRedaction>());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        // Deployed, also to Application Insights, where the alert rules of infra/alerts.bicep read requests and metrics.
        if (builder.Configuration.GetConnectionString(AzureMonitorConnectionName) is { Length: > 0 } azureMonitor)
        {
            builder.Services.AddOpenTelemetry().UseAzureMonitorExporter(options => options.ConnectionString = azureMonitor);
        }

        return builder;
    }

    /// <summary>
    /// Console lines at Error and above go to stderr. Orchestrators tell the two streams apart: Aspire marks a
    /// resource's stderr lines as errors (the dashboard, and the AppHost's log forwarding, which the test AppHosts
    /// narrow to errors), and Container Apps' log stream keeps them as <c>stderr</c>. So a replica's last words before
    /// it stops reach whoever reads only the errors.
    /// </summary>
    public static TBuilder WriteErrorsToStandardError<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Error);

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: ready to serve) and <c>/alive</c> (only the process itself).
    /// Both stay mapped outside Development because Azure Container Apps probes them; they reveal
    /// nothing but a status word.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Probes come from the orchestrator's few addresses every few seconds; a 429 would take a healthy replica out of rotation.
        app.MapHealthChecks(HealthEndpointPath).DisableRateLimiting();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) }).DisableRateLimiting();

        return app;
    }
}
