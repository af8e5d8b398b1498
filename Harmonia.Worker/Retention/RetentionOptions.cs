using System.ComponentModel.DataAnnotations;

namespace Harmonia.Worker.Retention;

/// <summary>The <c>Harmonia:Retention</c> section: how long finished work and settled mail are kept, and how often they are swept.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Harmonia:Retention";

    /// <summary>How long a finished (completed, failed, canceled) job is kept after it finished; its song stays in the library.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan FinishedJobs { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How old an audio file no song references must be before it is deleted: longer than any attempt takes between
    /// uploading its audio and inserting its song, so a file about to be referenced is never taken.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan UnreferencedAudio { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a mail given up on (failed, expired, superseded) stays in the outbox after it was settled: the record
    /// of what was not delivered, kept long enough to look into, but no longer, since it holds the recipient's address.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan SettledMail { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often one worker sweeps; each sweep deletes in batches until nothing is left.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}
