namespace Harmonia.Worker.Jobs.Generation;

/// <summary>Turns a prompt into audio: the pluggable step of a song job.</summary>
public interface ISongGenerator
{
    /// <summary>Returns the song as a WAV file, reporting progress (0–100) as it goes.</summary>
    /// <remarks>Must stop promptly when <paramref name="cancellationToken"/> fires: that is how a cancel reaches it.</remarks>
    Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken);
}

public sealed record SongRequest(string Prompt, int DurationSeconds);

public interface IGenerationProgress
{
    /// <summary>Reports how much of the work is done, in percent.</summary>
    ValueTask ReportAsync(int percent, CancellationToken cancellationToken);
}
