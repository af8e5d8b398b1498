using System.ComponentModel.DataAnnotations;

namespace Harmonia.Worker.Jobs;

/// <summary>The worker's part of <c>Harmonia:Jobs</c>: how many jobs it runs, how it retries and how fast it recovers lost ones.</summary>
public sealed class JobWorkerOptions : IValidatableObject
{
    /// <summary>Jobs one worker runs at once; generation mostly waits, so this may exceed the core count.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Attempts a job gets, the first included, before it fails for good; an attempt a crash cut short counts too.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles with every further attempt and is jittered by up to half.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts, however many have failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a running job's lease lasts unless renewed, so how soon another worker takes over a job whose
    /// worker died. Renewed every third of it (at least every second), which is also how often a worker looks
    /// for a cancellation it missed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a worker looks for work when no wake-up notice came, moves due retries onto the stream and
    /// takes over entries whose lease ran out. New jobs normally start at once, on the notice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often MongoDB is swept for unfinished jobs Redis no longer knows of (flushed, restarted, evicted),
    /// and how long such a job must have gone unchanged before it counts as lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Unfinished jobs a sweep reads from MongoDB at once. A sweep goes through all of them, a page at a time, so this
    /// bounds each read and each round of Redis checks, not what a sweep covers.
    /// </summary>
    [Range(1, 10_000)]
    public int SweepPageSize { get; set; } = 500;

    /// <summary>
    /// The synthesizer's pause after each second of audio, standing in for a model's inference time so
    /// progress can be watched; zero synthesizes at full speed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan SynthStepDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a running job's lease is renewed.</summary>
    public TimeSpan LeaseRenewalInterval => TimeSpan.FromTicks(Math.Min(LeaseDuration.Ticks / 3, TimeSpan.TicksPerSecond));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return new ValidationResult("The longest retry wait cannot be shorter than the first.", [nameof(RetryMaxDelay)]);
        }
    }
}
