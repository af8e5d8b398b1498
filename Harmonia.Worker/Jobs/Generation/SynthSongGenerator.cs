using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Harmonia.Worker.Jobs.Generation;

/// <summary>
/// A real but cheap generator: a melody on a major pentatonic scale whose key, tempo and notes all come from
/// a hash of the prompt, so the same prompt always gives the same clip. It renders one second of audio per
/// step and reports progress after each.
/// </summary>
public sealed class SynthSongGenerator(IOptions<JobWorkerOptions> options, TimeProvider timeProvider) : ISongGenerator
{
    public const int SampleRate = 8_000;

    private static readonly int[] PentatonicSemitones = [0, 2, 4, 7, 9, 12, 14];
    private const double LowestRootHz = 220;
    private const double Amplitude = 0.4 * short.MaxValue;
    private const double AttackSeconds = 0.01;
    private const double DecayPerSecond = 3;

    public async Task<byte[]> GenerateAsync(SongRequest request, IGenerationProgress progress, CancellationToken cancellationToken)
    {
        var melody = Melody.FromPrompt(request.Prompt);
        var wav = WavFormat.Create(SampleRate, request.DurationSeconds * SampleRate);
        var stepDelay = options.Value.SynthStepDelay;

        for (var second = 0; second < request.DurationSeconds; second++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var sample = second * SampleRate; sample < (second + 1) * SampleRate; sample++)
            {
                WavFormat.WriteSample(wav, sample, melody.SampleAt(sample));
            }

            await progress.ReportAsync((second + 1) * 100 / request.DurationSeconds, cancellationToken);
            if (stepDelay > TimeSpan.Zero)
            {
                await Task.Delay(stepDelay, timeProvider, cancellationToken);
            }
        }

        return wav;
    }

    private sealed class Melody(double rootHz, int samplesPerNote, byte[] seed)
    {
        public static Melody FromPrompt(string prompt)
        {
            var seed = SHA256.HashData(Encoding.UTF8.GetBytes(prompt));
            var rootHz = LowestRootHz * Math.Pow(2, seed[0] % 12 / 12.0);
            var beatsPerMinute = 80 + (seed[1] % 80);
            return new Melody(rootHz, SampleRate * 60 / beatsPerMinute, seed);
        }

        public short SampleAt(int index)
        {
            var note = index / samplesPerNote;
            var frequency = rootHz * Math.Pow(2, PentatonicSemitones[seed[2 + (note % (seed.Length - 2))] % PentatonicSemitones.Length] / 12.0);
            var t = (double)(index % samplesPerNote) / SampleRate;
            var envelope = Math.Min(1, t / AttackSeconds) * Math.Exp(-DecayPerSecond * t);
            var wave = (0.8 * Math.Sin(2 * Math.PI * frequency * t)) + (0.2 * Math.Sin(4 * Math.PI * frequency * t));
            return (short)(Amplitude * envelope * wave);
        }
    }
}
