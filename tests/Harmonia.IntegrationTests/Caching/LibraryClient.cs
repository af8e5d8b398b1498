using System.Net;
using System.Net.Http.Json;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>The library endpoints as a test calls them, for one signed-in user.</summary>
internal sealed class LibraryClient(HttpClient api, string accessToken)
{
    public sealed record Item(string Id, string Type, string Title, string? SongId);

    public sealed record LibraryPage(List<Item> Items, long Total, int Page, int PageSize);

    public async Task<LibraryPage> GetPageAsync(string query = "")
    {
        using var response = await GetAsync(api, $"/library{query}", accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LibraryPage>(TestContext.Current.CancellationToken))!;
    }

    public async Task<Item> AddPlaylistAsync(string title)
    {
        using var response = await SendAsync(api, HttpMethod.Post, "/library", accessToken, new { type = "playlist", title });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Item>(TestContext.Current.CancellationToken))!;
    }

    public async Task<Item> AddSongAsync(string songId)
    {
        using var response = await SendAsync(api, HttpMethod.Post, "/library", accessToken, new { type = "song", songId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Item>(TestContext.Current.CancellationToken))!;
    }

    public async Task<HttpStatusCode> RemoveAsync(string itemId)
    {
        using var response = await SendAsync(api, HttpMethod.Delete, $"/library/{itemId}", accessToken);
        return response.StatusCode;
    }
}
