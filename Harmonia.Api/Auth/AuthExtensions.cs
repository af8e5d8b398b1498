using Harmonia.Api.Http;
using Harmonia.Api.Users;
using Harmonia.Caching;
using Harmonia.DataStores;
using Harmonia.Notifications;
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
        services.AddSingleton<PasswordHashingLimit>();

        services.AddUserStore();
        services.AddSingleton<SessionStore>();
        services.AddMongoIndexes<SessionStore.Indexes>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<SessionRevocations>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionRevocations>());
        services.AddHostedService<RecordedRevocations>();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<SessionService>();
        // An ended session is told to its device, which stops using its token (GET /notifications).
        services.AddUserNotifications();
        services.AddSingleton<AccountService>();
        services.AddSingleton<SessionActivityRecorder>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionActivityRecorder>());
        services.AddHostedService<SessionHousekeeping>();

        // Session validity: 7 days in Redis as in the original design; 5 seconds in L1. Revocations do not wait for
        // either: every replica's set of ended sessions refuses them first, from the Redis stream or, whatever Redis
        // heard, from MongoDB (SessionRevocations, RecordedRevocations). No fail-safe: a stale "active" could outlive a
        // revocation, so with MongoDB down an uncached session is refused rather than guessed.
        services.AddCacheArea(SessionKeys.Area, SessionKeys.Prefix, area =>
        {
            area.Expiration = TimeSpan.FromDays(7);
            area.LocalExpiration = TimeSpan.FromSeconds(5);
        });
        services.AddCachedTypes(AuthJsonContext.Default);
        services.AddApiJsonTypes(AuthJsonContext.Default);

        services.AddSingleton<ActiveSessionEvents>();
        services.AddSingleton<RememberingAccessTokenHandler>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, RememberingAccessTokenHandler>((jwt, auth, handler) =>
            {
                jwt.MapInboundClaims = false;
                // Nothing reads the raw token back from the ticket; saving it cost every request a properties dictionary.
                jwt.SaveToken = false;
                jwt.TokenValidationParameters = AccessTokens.ValidationParameters(auth.Value);
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(handler);
                jwt.EventsType = typeof(ActiveSessionEvents);
            });
        services.AddAuthorization();

        return builder;
    }
}
