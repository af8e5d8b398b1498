using Harmonia.DataStores;
using Harmonia.Jobs;
using Harmonia.Worker.Jobs.Generation;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Writes each step's progress to Redis (only while this worker holds the lease, and never backwards) and
/// publishes it; MongoDB hears of progress only at state changes. 100 is reported only once the song is stored.
/// </summary>
internal sealed partial class ProgressReporter(JobStatusStore statuses, JobAttempt attempt, ILogger logger) : IGenerationProgress
{
    private readonly JobSnapshot _snapshot = JobSnapshot.From(attempt.Job);

    public int Percent { get; private set; }

    public async ValueTask ReportAsync(int percent, CancellationToken cancellationToken)
    {
        percent = Math.Clamp(percent, 0, 99);
        if (percent <= Percent)
        {
            return;
        }

        Percent = percent;
        try
        {
            if (await statuses.WriteAsync(_snapshot with { Progress = percent }, publish: true, attempt.Lease.Token) is StatusWrite.LeaseLost)
            {
                attempt.Lease.MarkLost();
            }
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // Progress is only shown; the attempt goes on and its next step tries again.
            LogProgressFailed(logger, _snapshot.Id, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: writing its progress to Redis failed.")]
    private static partial void LogProgressFailed(ILogger logger, string jobId, Exception exception);
}
