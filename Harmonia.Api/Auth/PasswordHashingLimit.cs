using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Auth;

/// <summary>
/// Bounds how many password hashes this replica computes at once. Each is PBKDF2-SHA512 at 220,000 iterations, about
/// a tenth of a second of a core by design, and nothing else bounded them: a flood of sign-ins, registrations or
/// password changes could take every core from everything else. <see cref="AuthOptions.MaxConcurrentPasswordHashes"/>
/// run, <see cref="AuthOptions.PasswordHashQueueLimit"/> wait in arrival order, and any more are answered 503 with
/// <c>Retry-After</c> at once.
/// </summary>
public sealed class PasswordHashingLimit : IDisposable
{
    private const int RetryAfterSeconds = 1;

    private readonly ConcurrencyLimiter _limiter;

    public PasswordHashingLimit(IOptions<AuthOptions> options)
    {
        var settings = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrentPasswordHashes > 0 ? settings.MaxConcurrentPasswordHashes : Math.Max(1, Environment.ProcessorCount / 2),
            QueueLimit = settings.PasswordHashQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>A permit to hash, waiting in the queue if there is room; not acquired when there is none.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    public static ProblemHttpResult Busy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(new ProblemDetails
        {
            Title = "Too many passwords are being checked right now; try again shortly.",
            Status = StatusCodes.Status503ServiceUnavailable,
        });
    }

    public void Dispose() => _limiter.Dispose();
}

public static class PasswordHashingLimitExtensions
{
    /// <summary>
    /// Runs the endpoint only with a permit from <see cref="PasswordHashingLimit"/>, for endpoints that hash or verify
    /// a password. Add it after the rate limits, so that requests they refuse never take a permit.
    /// </summary>
    public static RouteHandlerBuilder RequirePasswordHashing(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var limit = factory.ApplicationServices.GetRequiredService<PasswordHashingLimit>();
            return async context =>
            {
                using var permit = await limit.AcquireAsync(context.HttpContext.RequestAborted);
                return permit.IsAcquired ? await next(context) : PasswordHashingLimit.Busy(context.HttpContext);
            };
        });
}
