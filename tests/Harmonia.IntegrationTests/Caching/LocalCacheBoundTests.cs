using Harmonia.Api.Library;
using Harmonia.Caching;
using Harmonia.Music;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// L1 holds at most <c>LocalCacheSizeLimit</c> entries whatever the key space, FusionCache's own entries included: each
/// library page read also reads its user's tag (<c>library:{userId}</c>), which FusionCache keeps in L1 as an entry of
/// its own. Tags leave L1 like any entry, while Redis keeps them for FusionCache's ten days.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class LocalCacheBoundTests(AppHostFixture fixture)
{
    private const int SizeLimit = 100;

    private static readonly TimeSpan TagLife = TimeSpan.FromDays(10);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TagsCountAgainstTheL1SizeLimit()
    {
        await using var api = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["Harmonia:Cache:LocalCacheSizeLimit"] = $"{SizeLimit}" });
        var library = api.Services.GetRequiredService<LibraryService>();
        var l1 = api.Services.GetRequiredService<LocalCacheStatistics>();

        // The first page of three times as many users' libraries as L1 holds entries, as GET /library reads them: the
        // first read caches the page, the second finds it and checks it against its user's tag.
        for (var user = 0; user < 3 * SizeLimit; user++)
        {
            var userId = ObjectId.GenerateNewId().ToString();
            await library.GetPageAsync(userId, new LibraryQuery(null, null, null), CancellationToken);
            await library.GetPageAsync(userId, new LibraryQuery(null, null, null), CancellationToken);
        }

        Assert.InRange(l1.Entries, 0, SizeLimit);
    }

    [Fact]
    public async Task ATagStaysInRedisForTenDays()
    {
        await using var api = await InProcessApi.StartAsync(fixture);
        var tag = LibraryKeys.Tag(ObjectId.GenerateNewId().ToString());

        // Tag writes are not in the background: the tag is in Redis when this returns.
        await api.Services.GetRequiredService<HybridCache>().RemoveByTagAsync(tag, CancellationToken);

        var ttl = await fixture.Redis.GetDatabase().KeyTimeToLiveAsync($"__fc:t:{tag}");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TagLife - TimeSpan.FromMinutes(1), TagLife);
    }
}
