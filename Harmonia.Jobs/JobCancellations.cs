using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Harmonia.Jobs;

/// <summary>
/// The cancel protocol, both ends of it. MongoDB's <c>cancelRequested</c> flag decides (see
/// <see cref="JobStore.RequestCancelAsync"/>); this carries the news to whichever worker runs the job: a
/// message on <c>jobs:cancel</c> stops it within milliseconds, and a flag key (<c>job:{id}:cancel</c>) that the
/// worker polls at every lease renewal catches a message pub/sub dropped during a reconnect. Should Redis lose both,
/// the worker still reads the flag in MongoDB before it stores a song (<see cref="JobStore.IsCancelRequestedAsync"/>), and a
/// failed attempt can neither fail nor retry a flagged job (<see cref="JobStore.FailAsync"/>): it ends canceled.
/// </summary>
public sealed class JobCancellations(IConnectionMultiplexer redis)
{
    private readonly ConcurrentDictionary<string, Action> _running = new(StringComparer.Ordinal);

    private IDatabase Database => redis.GetDatabase();

    /// <summary>The API's end: raises the flag, then tells the workers.</summary>
    public async Task RequestAsync(string jobId)
    {
        await Database.StringSetAsync(JobKeys.CancelFlag(jobId), "", JobKeys.StatusTimeToLive);
        await redis.GetSubscriber().PublishAsync(JobKeys.CancelChannel, jobId);
    }

    /// <summary>Whether the job's owner asked for it to stop; what a worker polls in case a message was lost.</summary>
    public async Task<bool> IsRequestedAsync(string jobId) => await Database.KeyExistsAsync(JobKeys.CancelFlag(jobId));

    /// <summary>Drops the flag once the job is final and nothing can run it again.</summary>
    public Task ClearAsync(string jobId) => Database.KeyDeleteAsync(JobKeys.CancelFlag(jobId));

    /// <summary>The worker's end: routes every cancel message to the job it names, if this process runs it.</summary>
    public Task SubscribeAsync() =>
        redis.GetSubscriber().SubscribeAsync(JobKeys.CancelChannel, (_, message) =>
        {
            if (_running.TryGetValue(message.ToString(), out var cancel))
            {
                cancel();
            }
        });

    /// <summary>Calls <paramref name="cancel"/> when a cancel message for <paramref name="jobId"/> arrives, until disposed.</summary>
    public IDisposable Track(string jobId, Action cancel)
    {
        _running[jobId] = cancel;
        return new Tracking(_running, jobId, cancel);
    }

    private sealed class Tracking(ConcurrentDictionary<string, Action> running, string jobId, Action cancel) : IDisposable
    {
        public void Dispose() => running.TryRemove(KeyValuePair.Create(jobId, cancel));
    }
}
