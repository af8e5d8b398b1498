using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Admin;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CacheStatsResponse))]
[JsonSerializable(typeof(CacheCommandResponse))]
[JsonSerializable(typeof(QueuePageResponse))]
[JsonSerializable(typeof(QueueCommandResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
