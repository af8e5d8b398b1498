using Harmonia.Api.RateLimiting;
using Scalar.AspNetCore;

namespace Harmonia.Api.Http;

/// <summary>The HTTP behaviour every Harmonia endpoint shares.</summary>
public static class ApiDefaults
{
    /// <summary>No endpoint takes more than small JSON documents; larger bodies are refused with 413 before they are read.</summary>
    private const long MaximumRequestBodyBytes = 64 * 1024;

    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = MaximumRequestBodyBytes);
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddValidation();
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimits();
        app.UseAuthorization();

        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
