using Harmonia.Worker.Jobs.Generation;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>Fails every attempt after its first step, so retries, backoff and the final failure can be watched end to end.</summary>
/// <param name="failure">What each attempt throws; an <see cref="InvalidOperationException"/> with <see cref="FailureMessage"/> unless given.</param>
internal sealed class FailingSongGenerator(Func<Exception>? failure = null) : ISongGenerator
{
    public const string FailureMessage = "The test's failing generator fails every attempt.";

    public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(10, cancellationToken);
        throw failure?.Invoke() ?? new InvalidOperationException(FailureMessage);
    }
}
