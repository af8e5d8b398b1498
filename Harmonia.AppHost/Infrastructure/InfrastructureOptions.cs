namespace Harmonia.AppHost.Infrastructure;

/// <summary>The <c>Harmonia:Infrastructure</c> configuration section.</summary>
public sealed class InfrastructureOptions
{
    public const string SectionName = "Harmonia:Infrastructure";

    /// <summary>Where Redis and MongoDB come from; <see cref="InfrastructureMode.Auto"/> probes for a container runtime.</summary>
    public InfrastructureMode Mode { get; set; } = InfrastructureMode.Auto;

    /// <summary>The <c>redis-server</c> binary for local mode; found on PATH when unset.</summary>
    public string? RedisServerPath { get; set; }

    /// <summary>The jongodb binary for local mode; fetched from npm into the user cache when unset.</summary>
    public string? JongodbPath { get; set; }

    /// <summary>
    /// The host port of the mail server's web UI in Local and Containers modes, fixed so a developer can bookmark
    /// it; 0 allocates a free port per run (the integration tests do, so they never collide with a developer's AppHost).
    /// </summary>
    public int MailUiPort { get; set; } = DefaultMailUiPort;

    public const int DefaultMailUiPort = 5300;

    /// <summary>The UI port to bind, or null to allocate one.</summary>
    public int? MailUiHostPort => MailUiPort > 0 ? MailUiPort : null;
}
