namespace Harmonia.Mail;

/// <summary>The meter of the mail feature: the worker's delivery counters and the outbox gauges.</summary>
public static class MailTelemetry
{
    public const string Name = "Harmonia.Mail";

    /// <summary>The tag naming what a message is for (<see cref="OutgoingMail.Kind"/>).</summary>
    public const string KindTag = "harmonia.mail.kind";
}
