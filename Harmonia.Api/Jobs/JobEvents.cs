using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Harmonia.DataStores;
using Harmonia.Jobs;
using StackExchange.Redis;

namespace Harmonia.Api.Jobs;

/// <summary>
/// A job's progress as server-sent events: the current state first, then every newer state published on the
/// job's Redis channels by whichever worker runs it, ending with the final state. Redis pub/sub reaches
/// every API replica, so it does not matter which one the client is connected to.
/// </summary>
public sealed partial class JobEvents(JobService jobs, IConnectionMultiplexer redis, TimeProvider timeProvider, ILogger<JobEvents> logger)
{
    /// <summary>
    /// Pub/sub drops messages published while a connection is being re-established, and Redis may lose a snapshot
    /// write altogether; re-reading the state from MongoDB after this long without news bounds how long a missed
    /// update (the final one included) goes unseen.
    /// </summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Subscribes, then reads the current state, so no update can fall between the two; null when the job is not the
    /// caller's. Whatever ends the set-up early (no such job, MongoDB unreachable, the client gone) unsubscribes.
    /// </summary>
    public async Task<JobEventFeed?> OpenAsync(string userId, string jobId, CancellationToken cancellationToken)
    {
        var subscription = new Subscription(redis.GetSubscriber(), jobId);
        try
        {
            await subscription.StartAsync();
        }
        catch (Exception exception) when (exception.IsRedisFailure())
        {
            // Without pub/sub the stream still ends: it re-reads the state every few seconds.
            LogSubscribeFailed(logger, jobId, exception);
        }

        JobSnapshot? current = null;
        try
        {
            current = await jobs.GetAsync(userId, jobId, cancellationToken);
        }
        finally
        {
            if (current is null)
            {
                await subscription.DisposeAsync();
            }
        }

        return current is null ? null : new JobEventFeed(jobs, timeProvider, subscription, userId, current);
    }

    public sealed class JobEventFeed : IAsyncDisposable
    {
        private readonly JobService _jobs;
        private readonly TimeProvider _timeProvider;
        private readonly Subscription _subscription;
        private readonly string _userId;
        private readonly JobSnapshot _current;

        internal JobEventFeed(JobService jobs, TimeProvider timeProvider, Subscription subscription, string userId, JobSnapshot current)
        {
            _jobs = jobs;
            _timeProvider = timeProvider;
            _subscription = subscription;
            _userId = userId;
            _current = current;
        }

        /// <summary>
        /// Events named <c>progress</c> while the job waits or runs (a waiting job's also when its place in the queue
        /// moves, seen at each re-read), and one named <c>finished</c> last.
        /// </summary>
        public async IAsyncEnumerable<SseItem<JobResponse>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            try
            {
                var last = _current;
                var place = await _jobs.FindPlaceAsync(last);
                yield return Event(last, place);
                while (!last.IsFinal)
                {
                    var next = await _subscription.NextAsync(RecheckInterval, _timeProvider, cancellationToken)
                        ?? await _jobs.RefreshAsync(_userId, last.Id, cancellationToken);
                    if (next is null)
                    {
                        continue;
                    }

                    var nextPlace = await _jobs.FindPlaceAsync(next);
                    if (next.IsNewerThan(last) || nextPlace?.Position != place?.Position)
                    {
                        (last, place) = (next.IsNewerThan(last) ? next : last, nextPlace);
                        yield return Event(last, place);
                    }
                }
            }
            finally
            {
                await DisposeAsync();
            }
        }

        public ValueTask DisposeAsync() => _subscription.DisposeAsync();

        private static SseItem<JobResponse> Event(JobSnapshot job, QueuePlace? place) =>
            new(JobResponse.From(job, place), job.IsFinal ? "finished" : "progress");
    }

    /// <summary>The job's two channels, merged into one queue of snapshots; only the newest few are kept.</summary>
    internal sealed class Subscription(ISubscriber subscriber, string jobId) : IAsyncDisposable
    {
        // Each snapshot is a complete state, so dropping the oldest under a burst loses nothing a client needs.
        private readonly Channel<JobSnapshot> _updates = Channel.CreateBounded<JobSnapshot>(
            new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        private readonly RedisChannel[] _channels = [JobKeys.ProgressChannel(jobId), JobKeys.CompletedChannel(jobId)];
        private int _disposed;

        public async Task StartAsync()
        {
            foreach (var channel in _channels)
            {
                await subscriber.SubscribeAsync(channel, OnMessage);
            }
        }

        /// <summary>The next published snapshot, or null when none came within <paramref name="timeout"/>.</summary>
        public async Task<JobSnapshot?> NextAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
            await _updates.Reader.WaitToReadAsync(timeout, timeProvider, cancellationToken) && _updates.Reader.TryRead(out var snapshot)
                ? snapshot
                : null;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            try
            {
                foreach (var channel in _channels)
                {
                    await subscriber.UnsubscribeAsync(channel, OnMessage);
                }
            }
            catch (Exception exception) when (exception.IsRedisFailure())
            {
                // The connection is gone, and its subscriptions with it.
            }
        }

        private void OnMessage(RedisChannel channel, RedisValue message)
        {
            if (JobStatusStore.Deserialize(message) is { } snapshot)
            {
                _updates.Writer.TryWrite(snapshot);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to job {JobId}'s events failed; the stream falls back to re-reading its state.")]
    private static partial void LogSubscribeFailed(ILogger logger, string jobId, Exception exception);
}
