using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Validation;
using Harmonia.Music;

namespace Harmonia.Api.Library;

/// <summary>Which page of the library to show: <c>?type=song|playlist&amp;page=1&amp;pageSize=20</c>, within <see cref="PageDepth"/>.</summary>
public sealed record LibraryQuery(
    [property: AllowedValues(null, LibraryItemTypes.Song, LibraryItemTypes.Playlist, ErrorMessage = "Use type=song or type=playlist, or leave it out.")] string? Type,
    [property: Range(1, LibraryQuery.MaximumPage)] int? Page,
    [property: Range(1, LibraryQuery.MaximumPageSize)] int? PageSize) : IValidatableObject
{
    public const int MaximumPage = PageDepth.MaximumItems;
    public const int MaximumPageSize = 100;
    private const int DefaultPageSize = 20;

    public int PageNumber => Page ?? 1;

    public int Size => PageSize ?? DefaultPageSize;

    /// <summary>The filter part of the cache key: built only from validated values, so short and stable.</summary>
    public string NormalizedFilter => $"{Type ?? "all"}.{Size}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => PageDepth.Check(PageNumber, Size, nameof(Page));
}

/// <summary>Adds a song of the user's own, or a new playlist, to the library.</summary>
public sealed record AddLibraryItemRequest(
    [property: Required, AllowedValues(LibraryItemTypes.Song, LibraryItemTypes.Playlist, ErrorMessage = "Use type song or playlist.")] string Type,
    [property: StringLength(200), PlainText] string? Title,
    [property: StringLength(24)] string? SongId) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Type == LibraryItemTypes.Song && SongId is null)
        {
            yield return new ValidationResult("A song item needs the songId of one of your songs.", [nameof(SongId)]);
        }

        if (Type == LibraryItemTypes.Playlist && (SongId is not null || string.IsNullOrWhiteSpace(Title)))
        {
            yield return new ValidationResult("A playlist needs a title and no songId.", [nameof(Title)]);
        }
    }
}

[ImmutableObject(true)]
public sealed record LibraryItemResponse(string Id, string Type, string Title, string? SongId, DateTimeOffset CreatedAt)
{
    public static LibraryItemResponse From(LibraryItemDocument item) =>
        new(item.Id, LibraryItemTypes.Name(item.Type), item.Title, item.SongId, new DateTimeOffset(item.CreatedAt, TimeSpan.Zero));
}

/// <summary>One page of a library, newest first; cached whole, so immutable.</summary>
[ImmutableObject(true)]
public sealed record LibraryPage(IReadOnlyList<LibraryItemResponse> Items, long Total, int Page, int PageSize);

/// <summary>The names library item types have on the wire.</summary>
public static class LibraryItemTypes
{
    public const string Song = "song";
    public const string Playlist = "playlist";

    public static string Name(LibraryItemType type) => type is LibraryItemType.Song ? Song : Playlist;

    public static LibraryItemType Parse(string name) => name == Song ? LibraryItemType.Song : LibraryItemType.Playlist;
}
