using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Notifications;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LibraryChange))]
[JsonSerializable(typeof(SessionsEnded))]
public sealed partial class NotificationsJsonContext : JsonSerializerContext;
