using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Jobs;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateJobRequest))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(JobPageResponse))]
internal sealed partial class JobsJsonContext : JsonSerializerContext;
