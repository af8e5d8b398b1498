using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Notifications;

/// <summary>The data of the events <c>GET /notifications</c> composes itself (the others are stored as they are sent).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionEndedEvent))]
[JsonSerializable(typeof(StreamPositionEvent))]
internal sealed partial class NotificationsApiJsonContext : JsonSerializerContext;

/// <summary>This client's session ended (signed out here or elsewhere, or revoked): it must stop using its tokens.</summary>
public sealed record SessionEndedEvent(string SessionId, string Reason);

/// <summary>
/// <c>ready</c>: the stream starts here. <c>resync</c>: notifications may have been lost (too long away, or Redis lost
/// them), so the client reloads what it shows; the stream goes on from here.
/// </summary>
public sealed record StreamPositionEvent(string Reason);
