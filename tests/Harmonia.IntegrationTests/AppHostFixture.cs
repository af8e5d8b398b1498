using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Harmonia.IntegrationTests.AppHostFixture))]

namespace Harmonia.IntegrationTests;

/// <summary>
/// The AppHost every test shares, booted once for the whole assembly: the shipped topology (one Redis server), with
/// the mail service's timings shortened so that tests read their mail without long waits.
/// </summary>
public sealed class AppHostFixture : TestAppHost
{
    /// <summary>Accounts registered with this email are administrators in the test AppHost.</summary>
    public const string AdminEmail = "admin@harmonia.test";

    protected override IReadOnlyList<string> Resources { get; } = ["redis", "mongo", "harmonia", "mail", "api", "worker"];

    /// <summary>One client per API replica, in a fixed order: replica A, replica B.</summary>
    public IReadOnlyList<HttpClient> CreateApiReplicaClients() =>
        [.. ApiReplicaAddresses.Select(address => new HttpClient { BaseAddress = address })];

    /// <summary>
    /// Waits until Redis holds <paramref name="key"/>: a write to the cache's second level or a session's validity
    /// reaches Redis a moment after the response that caused it.
    /// </summary>
    public Task UntilInRedisAsync(string key, string what) =>
        Eventually.HoldsAsync(async () => await Redis.GetDatabase().KeyExistsAsync(key), TimeSpan.FromSeconds(5), what);

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource, TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    /// <summary>Runs a dashboard command on every instance (replica) of a resource.</summary>
    public Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceName, string commandName)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var resource = model.Resources.Single(candidate => candidate.Name == resourceName);
        return App.ResourceCommands.ExecuteCommandAsync(resource, commandName, TestContext.Current.CancellationToken);
    }

    public async Task<string> ParameterValueAsync(string name)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(resource => resource.Name == name);
        return await parameter.GetValueAsync(TestContext.Current.CancellationToken) ?? "";
    }

    protected override void Configure(IDistributedApplicationTestingBuilder appHost)
    {
        // The mail-flow policies are keyed by client address too, so they get the same room as login.
        appHost.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Harmonia__Auth__AdminEmails__0", AdminEmail)
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__email-verify__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__email-resend__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__password-forgot__Limit", "1000000")
            .WithEnvironment("Harmonia__RateLimiting__Endpoints__password-reset__Limit", "1000000");

        // Mail: look for queued mail five times a second, give up on a send after 2 s (a stopped server's proxy
        // accepts connections and never answers) and retry within a second, so tests read their mail, and see
        // it arrive after an SMTP outage, without long waits.
        appHost.CreateResourceBuilder<ProjectResource>("worker")
            .WithEnvironment("Harmonia__Mail__PollInterval", "00:00:00.200")
            .WithEnvironment("Harmonia__Mail__SendTimeout", "00:00:02")
            .WithEnvironment("Harmonia__Mail__RetryBaseDelay", "00:00:00.200")
            .WithEnvironment("Harmonia__Mail__RetryMaxDelay", "00:00:01");
    }
}
