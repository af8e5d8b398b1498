using Harmonia.Worker.Jobs.Generation;

namespace Harmonia.Bench.Worker;

/// <summary>
/// Returns a valid, empty WAV at once, so a benchmark measures the queue, the leases and the stores rather
/// than synthesis. Every other step of a job (song, library item, cache invalidation) still runs.
/// </summary>
public sealed class NoOpSongGenerator : ISongGenerator
{
    public Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken) =>
        Task.FromResult(WavFormat.Create(SynthSongGenerator.SampleRate, sampleCount: 0));
}
