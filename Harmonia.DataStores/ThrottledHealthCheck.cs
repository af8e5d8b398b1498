using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmonia.DataStores;

/// <summary>
/// Runs a data store's health check at most once per <see cref="ResultLifetime"/>, however many callers ask: a caller
/// that arrives while a run is in flight awaits that run, and one that arrives within <see cref="ResultLifetime"/> of
/// its end gets its result, failure included. <c>/health</c> is public and exempt from rate limiting, so without this
/// every request, from anyone, would be a ping of Redis and of MongoDB on every replica.
/// </summary>
/// <remarks>
/// A run belongs to no caller: its check comes from the root services and no caller's token cancels it, so a client
/// that hangs up cannot turn the shared result into a failure. Each caller still waits no longer than its
/// registration's timeout, and every wait on a store is bounded (docs/resilience.md), so a run always ends.
/// </remarks>
internal sealed class ThrottledHealthCheck(Func<IServiceProvider, IHealthCheck> check, IServiceProvider services, TimeProvider time) : IHealthCheck
{
    /// <summary>
    /// One second: an outage or a recovery shows in <c>/health</c> at most this much later (plus the run's own
    /// duration), far inside the seconds between an orchestrator's probes, while a flood of requests costs each
    /// store one check a second per service instance.
    /// </summary>
    internal static readonly TimeSpan ResultLifetime = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _run;
    private long _runEndedAt;

    /// <summary>Makes <paramref name="registration"/> run through one shared <see cref="ThrottledHealthCheck"/>.</summary>
    public static void Wrap(HealthCheckRegistration registration, IServiceProvider services, TimeProvider time)
    {
        var throttled = new ThrottledHealthCheck(registration.Factory, services, time);
        registration.Factory = _ => throttled;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<HealthCheckResult> run;
        lock (_gate)
        {
            if (_run is null || (_run.IsCompleted && time.GetElapsedTime(_runEndedAt) >= ResultLifetime))
            {
                // Started off the lock's thread: resolving the check may connect a client, which blocks.
                _run = Task.Run(() => RunAsync(context));
            }

            run = _run;
        }

        return run.WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> RunAsync(HealthCheckContext context)
    {
        try
        {
            return await check(services).CheckHealthAsync(context, CancellationToken.None);
        }
        finally
        {
            // Written before the task completes, so whoever sees it completed reads the time it ended.
            _runEndedAt = time.GetTimestamp();
        }
    }
}
