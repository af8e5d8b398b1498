namespace Harmonia.IntegrationTests;

/// <summary>
/// Tests that break shared infrastructure on purpose (kill a service, flush Redis). They run one at a time,
/// after the parallel tests, so no other test's requests or jobs are caught in the breakage.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DisruptiveCollection
{
    public const string Name = "Disruptive";
}
