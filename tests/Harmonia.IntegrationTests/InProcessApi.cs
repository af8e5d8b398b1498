using Harmonia.Api.Auth;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests;

/// <summary>One more API instance in the test process; see <see cref="InProcessHost{TEntryPoint}"/>.</summary>
internal static class InProcessApi
{
    /// <param name="services">Replaces what only a test may swap (the clock, say) after the API's own registrations.</param>
    public static Task<InProcessHost<AccessTokens>> StartAsync(AppHostFixture fixture, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync<AccessTokens>(fixture, settings, services);

    /// <summary>An API composed by the program that <typeparamref name="TEntryPoint"/> belongs to (the product's, or a benchmark's).</summary>
    public static async Task<InProcessHost<TEntryPoint>> StartAsync<TEntryPoint>(AppHostFixture fixture, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
        where TEntryPoint : class =>
        await InProcessHost<TEntryPoint>.StartAsync(
            fixture,
            new Dictionary<string, string?>
            {
                ["Harmonia:Auth:SigningKey"] = await fixture.ParameterValueAsync("jwt-signing-key"),
                ["Harmonia:Accounts:PublicUrl"] = await fixture.ParameterValueAsync("public-url"),
                // Instances measure other things (a thousand requests by one user, say); no quota gets in the way
                // unless a test sets its own.
                ["Harmonia:RateLimiting:SignedIn:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Anonymous:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:register:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:login:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:email-verify:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:email-resend:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:password-forgot:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:password-reset:Limit"] = "1000000",
            },
            settings,
            services);
}

/// <summary>A job worker in the test process, on whatever queue the test configures, with a generator of the test's own.</summary>
internal static class InProcessWorker
{
    /// <param name="services">Replaces what only a test may swap (a store whose MongoDB calls fail, say) after the worker's own registrations.</param>
    public static Task<InProcessHost<JobWorkerOptions>> StartAsync(
        AppHostFixture fixture, IReadOnlyDictionary<string, string?> settings, ISongGenerator? generator = null, Action<IServiceCollection>? services = null) =>
        InProcessHost<JobWorkerOptions>.StartAsync(
            fixture,
            new Dictionary<string, string?>
            {
                // Its Redis client waits as long as the AppHost's replicas' do (TestAppHost.DecisionTimeout), for the
                // same reason: at the start of the parallel suite a command once sat 500 ms unsent, and the read a test
                // polled the queue with failed instead of answering late (CI, 2026-12-07).
                ["Harmonia:Redis:CommandTimeout"] = TestAppHost.DecisionTimeout,
            },
            settings,
            replaced =>
            {
                if (generator is not null)
                {
                    replaced.AddSingleton(generator);
                }

                services?.Invoke(replaced);
            });
}
