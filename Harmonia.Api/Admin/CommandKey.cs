namespace Harmonia.Api.Admin;

/// <summary>
/// How the AppHost's dashboard commands prove they may call admin endpoints: the AppHost generates a key per run,
/// gives it to the API in <see cref="Setting"/> and sends it in <see cref="Header"/>. The AppHost compiles this
/// same file, so both ends name them once.
/// </summary>
internal static class CommandKey
{
    public const string Header = "X-Harmonia-Command-Key";

    /// <summary>The environment variable that carries the key (<c>Harmonia:Admin:CommandKey</c>).</summary>
    public const string Setting = "Harmonia__Admin__CommandKey";
}
