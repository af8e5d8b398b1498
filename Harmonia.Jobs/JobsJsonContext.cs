using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Jobs;

/// <summary>What the jobs feature writes to Redis and publishes: snapshots only.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JobSnapshot))]
internal sealed partial class JobsJsonContext : JsonSerializerContext;
