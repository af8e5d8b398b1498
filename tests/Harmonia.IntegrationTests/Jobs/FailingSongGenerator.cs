using Harmonia.Worker.Jobs.Generation;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Fails every attempt after its first step, so retries, backoff and the final failure can be watched end to end.</summary>
internal sealed class FailingSongGenerator : ISongGenerator
{
    public const string FailureMessage = "The test's failing generator fails every attempt.";

    public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(10, cancellationToken);
        throw new InvalidOperationException(FailureMessage);
    }
}
