using Microsoft.Extensions.Logging;

namespace Harmonia.AppHost.Infrastructure;

internal static partial class InfrastructureLog
{
    public const string Category = "Harmonia.AppHost.Infrastructure";

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis, MongoDB and the mail server run in {Mode} infrastructure mode.")]
    public static partial void ModeChosen(this ILogger logger, InfrastructureMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Tool} is not available; fetching it once ({Source}).")]
    public static partial void FetchingTool(this ILogger logger, string tool, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Command} failed with exit code {ExitCode}: {Error}")]
    public static partial void ToolCommandFailed(this ILogger logger, string command, int exitCode, string error);
}
