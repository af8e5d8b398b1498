using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Callers who hang up while their write is in flight, as a client that disconnects or times out does: the request is
/// aborted on the instance, so its <see cref="HttpContext.RequestAborted"/> fires as when the connection drops, and the
/// caller no longer waits for an answer. Used with <see cref="LostMongoAnswers.HangUpDuringNext"/>.
/// </summary>
internal static class HungUpCallers
{
    /// <summary>Aborts the request that is running where it is called; the instance needs <c>AddHttpContextAccessor</c>.</summary>
    public static Action AbortTheRequest(IServiceProvider instance)
    {
        var requests = instance.GetRequiredService<IHttpContextAccessor>();
        return () =>
        {
            var request = requests.HttpContext ?? throw new InvalidOperationException("No request is running here.");
            request.Abort();
            Assert.True(request.RequestAborted.IsCancellationRequested, "Aborting the request cancels its token.");
        };
    }

    /// <summary>Sends a request whose caller hangs up on the way: whatever comes back, if anything, is not looked at.</summary>
    public static async Task SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            (await send()).Dispose();
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            // The caller is gone; so is the answer.
        }
    }
}
