using System.ComponentModel.DataAnnotations;

namespace Harmonia.Jobs;

/// <summary>The part of <c>Harmonia:Jobs</c> the API and the worker share.</summary>
public sealed class JobQueueOptions
{
    public const string SectionName = "Harmonia:Jobs";

    /// <summary>
    /// The queue jobs are dispatched to and consumed from; deployments (or tests) sharing one Redis and
    /// MongoDB keep their jobs apart by naming different queues.
    /// </summary>
    [Required, RegularExpression("^[a-z0-9-]{1,40}$")]
    public string Queue { get; set; } = "generation";

    /// <summary>
    /// Jobs of one user that run at once, whatever the free worker slots: the scheduler passes over a user at this cap,
    /// so one user's backlog can hold at most this many slots and the others are shared round-robin.
    /// </summary>
    [Range(1, 100)]
    public int MaxRunningPerUser { get; set; } = 2;

    /// <summary>Jobs of one user waiting to start (retries included); a submission beyond it is refused with a 429.</summary>
    [Range(1, 10_000)]
    public int MaxWaitingPerUser { get; set; } = 20;

    /// <summary>
    /// Jobs one user may submit in any 24 hours (rolling), whatever became of them; a submission beyond it is refused with
    /// a 429. The waiting cap bounds a backlog, not its sum over a day: without this, one account stored a song every few
    /// seconds, around the clock.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCreatedPerUserPerDay { get; set; } = 100;
}
