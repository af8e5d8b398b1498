using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Music;

/// <summary>One entry of a user's library in the <c>library</c> collection: a song of theirs, or a playlist.</summary>
public sealed class LibraryItemDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    [BsonRepresentation(BsonType.ObjectId)]
    public required string UserId { get; init; }

    [BsonRepresentation(BsonType.String)]
    public required LibraryItemType Type { get; init; }

    public required string Title { get; init; }

    /// <summary>The song a <see cref="LibraryItemType.Song"/> item stands for.</summary>
    [BsonRepresentation(BsonType.ObjectId)]
    public string? SongId { get; init; }

    /// <summary>The generation job that added it; unique, so a job completed twice still adds one item.</summary>
    [BsonRepresentation(BsonType.ObjectId), BsonIgnoreIfNull]
    public string? JobId { get; init; }

    public DateTime CreatedAt { get; init; }
}

public enum LibraryItemType
{
    Song,
    Playlist,
}
