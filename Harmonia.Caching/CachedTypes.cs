using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Harmonia.Caching;

/// <summary>
/// The JSON settings every cached value is written with: web defaults over the features' source-generated
/// metadata. Reflection describes only the cache engine's own envelope types, never a cached value, so a
/// feature that forgets to declare a cached type fails loudly instead of silently slowing down.
/// </summary>
public sealed class CachedTypes(IOptions<CachedTypes.Registry> registry)
{
    public JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine([.. registry.Value.Resolvers, new EngineEnvelope()]),
    };

    public sealed class Registry
    {
        public List<IJsonTypeInfoResolver> Resolvers { get; } = [];
    }

    /// <summary>FusionCache wraps each value in an envelope of its own (timestamps, tags) before serializing it.</summary>
    private sealed class EngineEnvelope : IJsonTypeInfoResolver
    {
        private static readonly string[] Namespaces = ["ZiggyCreatures.Caching.Fusion", "System"];

        private readonly DefaultJsonTypeInfoResolver _reflection = new();

        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            type.Namespace is { } ns && Namespaces.Any(prefix => ns.StartsWith(prefix, StringComparison.Ordinal))
                ? _reflection.GetTypeInfo(type, options)
                : null;
    }
}
