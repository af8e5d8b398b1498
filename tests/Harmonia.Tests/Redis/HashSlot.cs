using System.Text;

namespace Harmonia.Tests.Redis;

/// <summary>
/// The Redis Cluster hash slot of a key, computed as the cluster specification defines it: CRC16 (XMODEM) of the
/// key, or of the text between the first <c>{</c> and the next <c>}</c> when that text is not empty, modulo 16384.
/// </summary>
internal static class HashSlot
{
    private const int SlotCount = 16384;

    public static int Of(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                bytes = bytes[(open + 1)..close];
            }
        }

        return Crc16(bytes) % SlotCount;
    }

    private static int Crc16(byte[] bytes)
    {
        var crc = 0;
        foreach (var value in bytes)
        {
            crc ^= value << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}
