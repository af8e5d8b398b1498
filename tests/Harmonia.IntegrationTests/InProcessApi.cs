using Harmonia.Api.Auth;

namespace Harmonia.IntegrationTests;

/// <summary>One more API instance in the test process; see <see cref="InProcessHost{TEntryPoint}"/>.</summary>
internal static class InProcessApi
{
    public static async Task<InProcessHost<AccessTokens>> StartAsync(AppHostFixture fixture, IReadOnlyDictionary<string, string?>? settings = null) =>
        await InProcessHost<AccessTokens>.StartAsync(
            fixture,
            new Dictionary<string, string?>
            {
                ["Harmonia:Auth:SigningKey"] = await fixture.ParameterValueAsync("jwt-signing-key"),
                // Instances measure other things (a thousand requests by one user, say); no quota gets in the way
                // unless a test sets its own.
                ["Harmonia:RateLimiting:SignedIn:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Anonymous:Limit"] = "1000000",
                ["Harmonia:RateLimiting:Endpoints:login:Limit"] = "1000000",
            },
            settings);
}

/// <summary>A job worker in the test process, on whatever queue and generator the test configures.</summary>
internal static class InProcessWorker
{
    public static Task<InProcessHost<Harmonia.Worker.Jobs.JobWorkerOptions>> StartAsync(AppHostFixture fixture, IReadOnlyDictionary<string, string?> settings) =>
        InProcessHost<Harmonia.Worker.Jobs.JobWorkerOptions>.StartAsync(fixture, new Dictionary<string, string?>(), settings);
}
