using Microsoft.Extensions.Options;

namespace Harmonia.Api.RateLimiting;

public static class RateLimitingExtensions
{
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitingOptions>, RedisTimeoutValidation>();

        services.AddSingleton<RateLimitPolicies>();
        services.AddSingleton<RedisSlidingWindow>();
        services.AddSingleton<LeasedWindow>();
        services.AddSingleton<LocalSlidingWindow>();
        services.AddSingleton<RateLimitMetrics>();
        services.AddSingleton<RateLimitService>();
        return builder;
    }

    /// <summary>
    /// Belongs after authentication, which tells whose quota a request uses, and before authorization, so that
    /// requests about to get a 401 are still counted against their address.
    /// </summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) => app.UseMiddleware<RateLimitingMiddleware>();

    /// <summary>
    /// Also limits the endpoint by an account policy (<c>login-account</c> by default), per account: <paramref name="account"/> picks the
    /// normalized account name out of the bound request (null or empty skips the check, leaving it to validation).
    /// It runs after binding because the account is in the body, which the middleware does not read. An application
    /// composed without <see cref="AddRateLimits"/> limits nothing here either.
    /// </summary>
    /// <param name="policy">The account policy to count under (<see cref="RateLimitPolicies.AccountMail"/>, say); <c>login-account</c> when null.</param>
    public static RouteHandlerBuilder RequireAccountRateLimit<TRequest>(
        this RouteHandlerBuilder builder, Func<TRequest, string?> account, Func<RateLimitPolicies, RateLimitPolicy>? policy = null) =>
        builder.RequireAccountRateLimit(
            context => ValueTask.FromResult(context.Arguments.OfType<TRequest>().FirstOrDefault() is { } request ? account(request) : null),
            policy);

    /// <summary>
    /// Also limits the endpoint by an account policy (<c>login-account</c> unless <paramref name="policy"/> names
    /// another), for the account <paramref name="account"/> finds (null or empty skips the check): every endpoint
    /// that checks a password spends the one budget sign-in spends.
    /// </summary>
    public static RouteHandlerBuilder RequireAccountRateLimit(
        this RouteHandlerBuilder builder, Func<EndpointFilterInvocationContext, ValueTask<string?>> account, Func<RateLimitPolicies, RateLimitPolicy>? policy = null) =>
        builder.AddEndpointFilterFactory((factory, next) => factory.ApplicationServices.GetService<RateLimitService>() is not { } limits ? next : async context =>
        {
            if (await account(context) is { Length: > 0 } name)
            {
                var chosen = policy?.Invoke(context.HttpContext.RequestServices.GetRequiredService<RateLimitPolicies>());
                var decision = await limits.DecideForAccountAsync(context.HttpContext, name, chosen);
                if (!decision.Admitted)
                {
                    return RateLimitResponse.Rejection(context.HttpContext);
                }
            }

            return await next(context);
        });
}
