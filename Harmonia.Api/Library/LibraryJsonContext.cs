using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Library;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LibraryPage))]
[JsonSerializable(typeof(LibraryItemResponse))]
[JsonSerializable(typeof(AddLibraryItemRequest))]
internal sealed partial class LibraryJsonContext : JsonSerializerContext;
