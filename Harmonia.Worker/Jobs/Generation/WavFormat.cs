using System.Buffers.Binary;

namespace Harmonia.Worker.Jobs.Generation;

/// <summary>Mono 16-bit PCM WAV files: a 44-byte RIFF header followed by little-endian samples.</summary>
public static class WavFormat
{
    public const int HeaderLength = 44;
    private const short BitsPerSample = 16;
    private const short Channels = 1;

    /// <summary>A WAV file of <paramref name="sampleCount"/> silent samples, ready for the samples to be written in place.</summary>
    public static byte[] Create(int sampleRate, int sampleCount)
    {
        var dataLength = sampleCount * BitsPerSample / 8;
        var file = new byte[HeaderLength + dataLength];
        var header = file.AsSpan(0, HeaderLength);
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], HeaderLength - 8 + dataLength);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * Channels * BitsPerSample / 8);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], Channels * BitsPerSample / 8);
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], BitsPerSample);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], dataLength);
        return file;
    }

    public static void WriteSample(byte[] file, int index, short sample) =>
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(HeaderLength + (index * 2)), sample);
}
