using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;

namespace Harmonia.Caching;

/// <summary>
/// Serializes cached values for Microsoft's engine with source-generated metadata, so no reflection-based
/// serialization runs on the hot path (FusionCache gets the same metadata through its own serializer).
/// </summary>
internal sealed class JsonTypeInfoHybridCacheSerializerFactory(CachedTypes cachedTypes) : IHybridCacheSerializerFactory
{
    private readonly JsonSerializerOptions _options = cachedTypes.SerializerOptions;

    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        if (_options.TypeInfoResolver?.GetTypeInfo(typeof(T), _options) is JsonTypeInfo<T> typeInfo)
        {
            serializer = new Serializer<T>(typeInfo);
            return true;
        }

        serializer = null;
        return false;
    }

    private sealed class Serializer<T>(JsonTypeInfo<T> typeInfo) : IHybridCacheSerializer<T>
    {
        public T Deserialize(ReadOnlySequence<byte> source)
        {
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize(ref reader, typeInfo)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
    }
}
