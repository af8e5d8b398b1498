using Harmonia.Api.Auth;
using Harmonia.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Harmonia.Api.Admin;

public static class AdminExtensions
{
    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<CacheAdministration>();
        services.AddSingleton<QueueAdministration>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, CommandKeyAuthentication>(CommandKeyAuthentication.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder().AddPolicy(AdminApi.Policy, policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, CommandKeyAuthentication.SchemeName)
            .RequireRole(AccessTokens.AdminRole));
        services.AddApiJsonTypes(AdminJsonContext.Default);

        return builder;
    }
}
