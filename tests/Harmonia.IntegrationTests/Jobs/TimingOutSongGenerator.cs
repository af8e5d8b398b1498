using Harmonia.Worker.Jobs.Generation;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// Fails every attempt the way a generator calling a model over HTTP does when the model does not answer in time:
/// HttpClient reports its own timeout as a <see cref="TaskCanceledException"/>, though nobody canceled the job.
/// </summary>
internal sealed class TimingOutSongGenerator : ISongGenerator
{
    public const string FailureMessage = "The model did not answer in time.";

    public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(10, cancellationToken);
        throw new TaskCanceledException(FailureMessage, new TimeoutException());
    }
}
