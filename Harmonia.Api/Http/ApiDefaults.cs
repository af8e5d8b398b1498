using System.Text.Json.Serialization.Metadata;
using Harmonia.Api.Validation;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Validation;
using Microsoft.Net.Http.Headers;
using Scalar.AspNetCore;

namespace Harmonia.Api.Http;

/// <summary>The HTTP behaviour every Harmonia endpoint shares.</summary>
public static class ApiDefaults
{
    /// <summary>No endpoint takes more than small JSON documents; larger bodies are refused with 413 before they are read.</summary>
    private const long MaximumRequestBodyBytes = 64 * 1024;

    /// <summary>The security headers of responses that carry credentials: an API's, and no cache may store them (RFC 6749 §5.1).</summary>
    public const string CredentialsHeaders = "credentials";

    /// <summary>The security headers of the HTML API reference, which runs scripts of its own.</summary>
    private const string ReferenceHeaders = "reference";

    /// <summary>
    /// ProblemDetails for every error, validation at the edge, bounded bodies, <c>{id:objectid}</c> routes, OpenAPI, and
    /// the OWASP headers for a JSON API on every response (nosniff, no framing, no referrer, a deny-all CSP).
    /// </summary>
    public static IHostApplicationBuilder AddApiDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaximumRequestBodyBytes;
            // No Server header names the server software; Kestrel not writing it spares every response the removal below.
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddSecurityHeaderPolicies(policies => policies
            .SetDefaultPolicy(headers => headers.AddDefaultApiSecurityHeaders().WithoutServerRemoval())
            .AddPolicy(CredentialsHeaders, headers => headers.AddDefaultApiSecurityHeaders().WithoutServerRemoval().AddCustomHeader("Cache-Control", "no-store"))
            .AddPolicy(ReferenceHeaders, headers => headers.AddDefaultSecurityHeaders().WithoutServerRemoval()));
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddValidation();
        builder.Services.PostConfigure<ValidationOptions>(RememberingValidatableInfoResolver.Wrap);
        builder.Services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<ObjectIdRouteConstraint>(ObjectIdRouteConstraint.Name));
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>
    /// Drops the defaults' removal of the <c>Server</c> header, which Kestrel no longer writes: the library collects
    /// each response's removals in a set of its own, about 140 B per request for a header that is never there.
    /// </summary>
    private static HeaderPolicyCollection WithoutServerRemoval(this HeaderPolicyCollection headers)
    {
        headers.Remove(HeaderNames.Server);
        return headers;
    }

    /// <summary>Serializes a feature's requests and responses with its source-generated metadata, ahead of reflection.</summary>
    public static IServiceCollection AddApiJsonTypes(this IServiceCollection services, IJsonTypeInfoResolver resolver) =>
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, resolver));

    /// <summary>
    /// The middleware every response passes: security headers first, so error responses carry them too, then errors as
    /// ProblemDetails, then a JSON body's charset checked before anything (a rate limit's partition, a handler) reads it.
    /// </summary>
    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<JsonCharsetMiddleware>();
        return app;
    }

    /// <summary>The OpenAPI document, and in Development its Scalar reference UI (linked from the dashboard).</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference().WithSecurityHeadersPolicy(ReferenceHeaders);
        }

        return app;
    }
}
