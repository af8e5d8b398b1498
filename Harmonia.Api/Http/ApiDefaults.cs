using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Scalar.AspNetCore;

namespace Harmonia.Api.Http;

/// <summary>The HTTP behaviour every Harmonia endpoint shares.</summary>
public static class ApiDefaults
{
    /// <summary>No endpoint takes more than small JSON documents; larger bodies are refused with 413 before they are read.</summary>
    private const long MaximumRequestBodyBytes = 64 * 1024;

    /// <summary>ProblemDetails for every error, validation at the edge, bounded bodies, <c>{id:objectid}</c> routes and OpenAPI.</summary>
    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaximumRequestBodyBytes);
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddValidation();
        builder.Services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<ObjectIdRouteConstraint>(ObjectIdRouteConstraint.Name));
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>Serializes a feature's requests and responses with its source-generated metadata, ahead of reflection.</summary>
    public static IServiceCollection AddApiJsonTypes(this IServiceCollection services, IJsonTypeInfoResolver resolver) =>
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, resolver));

    /// <summary>The OpenAPI document, and in Development its Scalar reference UI (linked from the dashboard).</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
