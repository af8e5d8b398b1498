using Harmonia.Api.Users;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Auth;

public static class AuthExtensions
{
    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // OWASP's 2026 guidance for PBKDF2-HMAC-SHA512 (Identity's V3 format); stored hashes with fewer iterations upgrade at sign-in.
        services.Configure<PasswordHasherOptions>(hasher => hasher.IterationCount = 220_000);
        services.AddSingleton<IPasswordHasher<UserDocument>, PasswordHasher<UserDocument>>();

        services.AddSingleton<UserStore>();
        services.AddSingleton<SessionStore>();
        services.AddMongoIndexes<UserStore.Indexes>();
        services.AddMongoIndexes<SessionStore.Indexes>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<SessionActivityRecorder>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionActivityRecorder>());

        // Session validity: 7 days in Redis as in the original design; 5 seconds in L1 bounds how long a
        // revocation can go unseen on another replica when the backplane is down.
        services.AddCacheArea(SessionKeys.Area, SessionKeys.Prefix, expiration: TimeSpan.FromDays(7), localExpiration: TimeSpan.FromSeconds(5));
        services.AddCachedTypes(AuthJsonContext.Default);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, AuthJsonContext.Default));

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = AccessTokens.ValidationParameters(auth.Value);
                jwt.Events = new JwtBearerEvents { OnTokenValidated = RequireActiveSessionAsync };
            });
        services.AddAuthorization();

        return builder;
    }

    /// <summary>A well-signed token is only as good as its session: a revoked session's tokens stop working at once.</summary>
    private static async Task RequireActiveSessionAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var userId = principal.FindFirst(AccessTokens.UserIdClaim)?.Value;
        var sessionId = principal.FindFirst(AccessTokens.SessionIdClaim)?.Value;
        var services = context.HttpContext.RequestServices;
        if (userId is null || sessionId is null
            || !await services.GetRequiredService<SessionValidator>().IsActiveAsync(userId, sessionId, context.HttpContext.RequestAborted))
        {
            context.Fail("The session has ended.");
            return;
        }

        services.GetRequiredService<SessionActivityRecorder>().Touch(sessionId);
    }
}
