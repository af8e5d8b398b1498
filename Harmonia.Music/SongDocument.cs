using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace Harmonia.Music;

/// <summary>A generated song in the <c>songs</c> collection; its audio is a GridFS file.</summary>
public sealed class SongDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)]
    public string Id { get; init; } = ObjectId.GenerateNewId().ToString();

    [BsonRepresentation(BsonType.ObjectId)]
    public required string OwnerId { get; init; }

    public required string Title { get; init; }

    public required string Prompt { get; init; }

    public int DurationSeconds { get; init; }

    /// <summary>The GridFS file holding the WAV audio.</summary>
    [BsonRepresentation(BsonType.ObjectId)]
    public string? AudioFileId { get; init; }

    /// <summary>The generation job that made it; unique, so a job completed twice still makes one song.</summary>
    [BsonRepresentation(BsonType.ObjectId), BsonIgnoreIfNull]
    public string? JobId { get; init; }

    public DateTime CreatedAt { get; init; }
}
