using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmonia.Api.Accounts;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EmailRequest))]
[JsonSerializable(typeof(VerifyEmailRequest))]
[JsonSerializable(typeof(ResetPasswordRequest))]
[JsonSerializable(typeof(MailAcceptedResponse))]
internal sealed partial class AccountsJsonContext : JsonSerializerContext;
