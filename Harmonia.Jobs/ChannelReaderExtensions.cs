using System.Threading.Channels;

namespace Harmonia.Jobs;

public static class ChannelReaderExtensions
{
    /// <summary>
    /// Waits until the channel has an item, or <paramref name="timeout"/> passes (false). Both ends of the queue wait
    /// this way: for news published over Redis pub/sub, with a periodic look at the source of truth as the fallback.
    /// </summary>
    public static async ValueTask<bool> WaitToReadAsync<T>(this ChannelReader<T> reader, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return reader.Count > 0;
        }

        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            return await reader.WaitToReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
