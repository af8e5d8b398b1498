using System.ComponentModel.DataAnnotations;

namespace Harmonia.Worker.Retention;

/// <summary>The <c>Harmonia:Retention</c> section: how long finished work is kept, and how often it is cleaned up.</summary>
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

    /// <summary>How often one worker sweeps; each sweep deletes in batches until nothing is left.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}
