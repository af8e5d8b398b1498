using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Profiles;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProfileResponse))]
[JsonSerializable(typeof(PublicProfileResponse))]
[JsonSerializable(typeof(UpdateProfileRequest))]
[JsonSerializable(typeof(CachedProfile))]
internal sealed partial class ProfilesJsonContext : JsonSerializerContext;
