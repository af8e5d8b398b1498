namespace Harmonia.IntegrationTests;

/// <summary>
/// Tests that measure what an in-process API does. They run one at a time, after the parallel tests, so no
/// other in-process host's commands or cache traffic mixes into their counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessCollection
{
    public const string Name = "In-process measurements";
}
