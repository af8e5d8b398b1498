using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Harmonia.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Harmonia.Benchmarks;

/// <summary>
/// The JSON work around the cache: a cached value to and from Redis (the cache's serializer options over the
/// features' source-generated contexts) and a response body (the HTTP options the features configure).
/// </summary>
public class SerializationBenchmarks
{
    private const int PageSize = 20;

    private JsonTypeInfo<CachedProfile> _cachedProfile = null!;
    private JsonTypeInfo<LibraryPage> _cachedPage = null!;
    private JsonTypeInfo<PublicProfileResponse> _profileResponse = null!;
    private JsonTypeInfo<LibraryPage> _pageResponse = null!;
    private CachedProfile _profile = null!;
    private LibraryPage _page = null!;
    private byte[] _profileBytes = [];
    private byte[] _pageBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        // The same registrations as the API's, without any server: only the serializer options are resolved.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<CachedTypes>();
        builder.AddProfiles();
        builder.AddLibrary();
        using var host = builder.Build();
        var cache = host.Services.GetRequiredService<CachedTypes>().SerializerOptions;
        var http = host.Services.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        _cachedProfile = (JsonTypeInfo<CachedProfile>)cache.GetTypeInfo(typeof(CachedProfile));
        _cachedPage = (JsonTypeInfo<LibraryPage>)cache.GetTypeInfo(typeof(LibraryPage));
        _profileResponse = (JsonTypeInfo<PublicProfileResponse>)http.GetTypeInfo(typeof(PublicProfileResponse));
        _pageResponse = (JsonTypeInfo<LibraryPage>)http.GetTypeInfo(typeof(LibraryPage));

        var now = DateTimeOffset.UtcNow;
        _profile = new CachedProfile("6751f0c2a1b2c3d4e5f60718", "someone@example.com", "Some One", "Writes songs about trains.", "https://example.com/a.png", now);
        _page = new LibraryPage(
            [.. Enumerable.Range(0, PageSize).Select(index => new LibraryItemResponse($"6751f0c2a1b2c3d4e5f607{index:D2}", "song", $"Song number {index}", "6751f0c2a1b2c3d4e5f60799", now.AddMinutes(-index)))],
            Total: 137,
            Page: 1,
            PageSize);
        _profileBytes = JsonSerializer.SerializeToUtf8Bytes(_profile, _cachedProfile);
        _pageBytes = JsonSerializer.SerializeToUtf8Bytes(_page, _cachedPage);
    }

    [Benchmark]
    public byte[] CachedProfileToRedis() => JsonSerializer.SerializeToUtf8Bytes(_profile, _cachedProfile);

    [Benchmark]
    public CachedProfile? CachedProfileFromRedis() => JsonSerializer.Deserialize(_profileBytes, _cachedProfile);

    [Benchmark]
    public byte[] LibraryPageToRedis() => JsonSerializer.SerializeToUtf8Bytes(_page, _cachedPage);

    [Benchmark]
    public LibraryPage? LibraryPageFromRedis() => JsonSerializer.Deserialize(_pageBytes, _cachedPage);

    [Benchmark]
    public byte[] PublicProfileResponseBody() => JsonSerializer.SerializeToUtf8Bytes(PublicProfileResponse.From(_profile), _profileResponse);

    [Benchmark]
    public byte[] LibraryPageResponseBody() => JsonSerializer.SerializeToUtf8Bytes(_page, _pageResponse);
}
