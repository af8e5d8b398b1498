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

/// <summary>The generators a worker can be configured with (<c>Harmonia:Jobs:Generator</c>).</summary>
public enum GeneratorKind
{
    /// <summary>Synthesizes a short melody derived from the prompt; the default.</summary>
    Synth,

    /// <summary>Fails every attempt, for exercising retries and failure handling.</summary>
    Failing,

    /// <summary>Returns an empty clip at once, for measuring the queue without generation cost.</summary>
    NoOp,
}
