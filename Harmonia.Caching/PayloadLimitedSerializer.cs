using ZiggyCreatures.Caching.Fusion.Serialization;

namespace Harmonia.Caching;

/// <summary>
/// Refuses to put payloads above a size limit into Redis; FusionCache then keeps the value in L1 only and logs
/// the refusal. Microsoft's engine has the same guard built in (<c>MaximumPayloadBytes</c>); FusionCache does
/// not. Every payload's size also feeds the estimate of L1's size.
/// </summary>
internal sealed class PayloadLimitedSerializer(IFusionCacheSerializer inner, int maximumPayloadBytes, LocalCacheStatistics statistics) : IFusionCacheSerializer
{
    public byte[] Serialize<T>(T? obj) => Checked(inner.Serialize(obj));

    public T? Deserialize<T>(byte[] data) => inner.Deserialize<T>(Observed(data));

    public async ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) =>
        Checked(await inner.SerializeAsync(obj, token));

    public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => inner.DeserializeAsync<T>(Observed(data), token);

    private byte[] Checked(byte[] payload) =>
        payload.Length <= maximumPayloadBytes
            ? Observed(payload)
            : throw new InvalidOperationException($"A {payload.Length}-byte cache payload exceeds the {maximumPayloadBytes}-byte limit; it stays out of Redis.");

    private byte[] Observed(byte[] payload)
    {
        statistics.ObservePayload(payload.Length);
        return payload;
    }
}
