using System.Collections.Concurrent;
using Harmonia.Contracts.Jobs;
using StackExchange.Redis;

namespace Harmonia.Worker.Jobs;

/// <summary>
/// Delivers cancellations published on <c>jobs:cancel</c> to the jobs this worker runs, within milliseconds.
/// Pub/sub can drop a message (a reconnect at the wrong moment), so <see cref="JobLease"/> also checks the
/// job's cancel flag at every renewal.
/// </summary>
public sealed class JobCancellations(IConnectionMultiplexer redis)
{
    private readonly ConcurrentDictionary<string, JobLease> _running = new(StringComparer.Ordinal);

    public Task SubscribeAsync() =>
        redis.GetSubscriber().SubscribeAsync(JobKeys.CancelChannel, (_, message) =>
        {
            if (_running.TryGetValue(message.ToString(), out var lease))
            {
                lease.RequestCancel();
            }
        });

    /// <summary>Routes cancellations of <paramref name="jobId"/> to <paramref name="lease"/> until disposed.</summary>
    public IDisposable Track(string jobId, JobLease lease)
    {
        _running[jobId] = lease;
        return new Tracking(_running, jobId, lease);
    }

    private sealed class Tracking(ConcurrentDictionary<string, JobLease> running, string jobId, JobLease lease) : IDisposable
    {
        public void Dispose() => running.TryRemove(KeyValuePair.Create(jobId, lease));
    }
}
