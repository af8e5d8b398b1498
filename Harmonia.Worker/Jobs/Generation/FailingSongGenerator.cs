namespace Harmonia.Worker.Jobs.Generation;

/// <summary>
/// Fails every attempt after its first step, so retries, backoff and the final failure can be watched end to
/// end. Selected only by configuration (<c>Harmonia:Jobs:Generator=Failing</c>), never by anything a client sends.
/// </summary>
public sealed class FailingSongGenerator : ISongGenerator
{
    public const string FailureMessage = "The failing generator fails every attempt (Harmonia:Jobs:Generator=Failing).";

    public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(10, cancellationToken);
        throw new InvalidOperationException(FailureMessage);
    }
}
