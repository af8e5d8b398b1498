namespace Harmonia.ServiceDefaults;

/// <summary>
/// The meters and activity sources Harmonia's services emit. OpenTelemetry exports only what it is
/// subscribed to, so every name a service uses must be listed here.
/// </summary>
public static class HarmoniaTelemetry
{
    public static readonly string[] MeterNames = ["Harmonia.*", "ZiggyCreatures.Caching.Fusion*"];

    public static readonly string[] ActivitySourceNames = ["Harmonia.*"];
}
