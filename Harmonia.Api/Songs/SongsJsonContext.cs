using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Songs;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SongResponse))]
[JsonSerializable(typeof(CachedSong))]
internal sealed partial class SongsJsonContext : JsonSerializerContext;
