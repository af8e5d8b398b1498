using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Harmonia.Api.Http;

/// <summary>
/// The JSON of one kind of response made from a cached value, serialized once per cached instance rather than on
/// every read. A cache hit hands out the instance the cache holds, and cached types are immutable
/// (<c>[ImmutableObject(true)]</c>), so the response made from it cannot change. Serializing a library page on every
/// hit was 9 % of the API's CPU under load (docs/benchmarks.md). The bytes live exactly as long as the instance:
/// when the cache drops or replaces it, its bytes go with it. A value read fresh (a miss, the Redis-only benchmark
/// mode) is a new instance, serialized once as before.
/// </summary>
public sealed class CachedResponses<TCached, TResponse>
    where TCached : class
{
    private readonly ConditionalWeakTable<TCached, byte[]> _json = new();
    private readonly ConditionalWeakTable<TCached, byte[]>.CreateValueCallback _serialize;

    public CachedResponses(Func<TCached, TResponse> toResponse, IOptions<JsonOptions> json)
    {
        var typeInfo = (JsonTypeInfo<TResponse>)json.Value.SerializerOptions.GetTypeInfo(typeof(TResponse));
        _serialize = value => JsonSerializer.SerializeToUtf8Bytes(toResponse(value), typeInfo);
    }

    /// <summary>200 with the response made from <paramref name="value"/>, as <c>TypedResults.Ok</c> would write it.</summary>
    public JsonOk<TResponse> Ok(TCached value) => new(_json.GetValue(value, _serialize));
}

public static class CachedResponsesExtensions
{
    /// <summary>Registers the serialized-once responses of type <typeparamref name="TResponse"/> made from cached <typeparamref name="TCached"/> values.</summary>
    public static IServiceCollection AddCachedResponses<TCached, TResponse>(this IServiceCollection services, Func<TCached, TResponse> toResponse)
        where TCached : class =>
        services.AddSingleton(provider => new CachedResponses<TCached, TResponse>(toResponse, provider.GetRequiredService<IOptions<JsonOptions>>()));
}
