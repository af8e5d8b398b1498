using System.Buffers.Binary;
using System.Text;
using Harmonia.Worker.Jobs;
using Harmonia.Worker.Jobs.Generation;
using Microsoft.Extensions.Options;

namespace Harmonia.Tests.Jobs;

public sealed class SynthSongGeneratorTests
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClipIsMono16BitPcmWavOfTheRequestedLength()
    {
        var wav = await GenerateAsync("a bright morning", durationSeconds: 3);

        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("WAVEfmt ", Encoding.ASCII.GetString(wav, 8, 8));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(20)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)));
        Assert.Equal(SynthSongGenerator.SampleRate, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34)));
        Assert.Equal("data", Encoding.ASCII.GetString(wav, 36, 4));
        Assert.Equal(3 * SynthSongGenerator.SampleRate * 2, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        Assert.Equal(WavFormat.HeaderLength + (3 * SynthSongGenerator.SampleRate * 2), wav.Length);
    }

    [Fact]
    public async Task SamePromptGivesTheSameClipAndAnotherPromptAnotherClip()
    {
        var first = await GenerateAsync("a bright morning", durationSeconds: 2);
        var again = await GenerateAsync("a bright morning", durationSeconds: 2);
        var other = await GenerateAsync("a dark evening", durationSeconds: 2);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Contains(first.Skip(WavFormat.HeaderLength), b => b != 0);
    }

    [Fact]
    public async Task ProgressIsReportedAfterEverySecondOfAudio()
    {
        var progress = new RecordingProgress();

        await Generator().GenerateAsync(new SongRequest("counting", 4), progress, CancellationToken);

        Assert.Equal([25, 50, 75, 100], progress.Reports);
    }

    [Fact]
    public async Task CancellationStopsGeneration()
    {
        using var canceled = new CancellationTokenSource();
        var progress = new RecordingProgress(onReport: canceled.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Generator().GenerateAsync(new SongRequest("interrupted", 10), progress, canceled.Token));

        Assert.Single(progress.Reports);
    }

    private static Task<byte[]> GenerateAsync(string prompt, int durationSeconds) =>
        Generator().GenerateAsync(new SongRequest(prompt, durationSeconds), new RecordingProgress(), CancellationToken);

    private static SynthSongGenerator Generator() =>
        new(Options.Create(new JobWorkerOptions { SynthStepDelay = TimeSpan.Zero }), TimeProvider.System);

    private sealed class RecordingProgress(Action? onReport = null) : IGenerationProgress
    {
        public List<int> Reports { get; } = [];

        public ValueTask ReportAsync(int percent, CancellationToken cancellationToken)
        {
            Reports.Add(percent);
            onReport?.Invoke();
            return ValueTask.CompletedTask;
        }
    }
}
