namespace Harmonia.ServiceDefaults;

/// <summary>
/// The meters and activity sources Harmonia's services emit. OpenTelemetry exports only what it is
/// subscribed to: Harmonia's own names are covered here, and a library that brings
/// others (the cache engine's) subscribes to them where it is registered.
/// </summary>
public static class HarmoniaTelemetry
{
    public static readonly string[] MeterNames = ["Harmonia.*"];

    public static readonly string[] ActivitySourceNames = ["Harmonia.*"];
}
