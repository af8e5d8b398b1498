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
}
