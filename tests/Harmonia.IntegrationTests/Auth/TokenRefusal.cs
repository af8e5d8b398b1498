using System.Diagnostics;
using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>Waits for an ended session's access token to be refused by every replica, failing once a deadline passes.</summary>
internal static class TokenRefusal
{
    /// <summary>The <see cref="Stopwatch"/> timestamp <paramref name="bound"/> after <paramref name="start"/> (a timestamp; now when omitted).</summary>
    public static long DeadlineAfter(TimeSpan bound, long? start = null) =>
        (start ?? Stopwatch.GetTimestamp()) + (long)(bound.TotalSeconds * Stopwatch.Frequency);

    /// <param name="deadline">A <see cref="Stopwatch"/> timestamp.</param>
    /// <param name="what">Says which session, for the failure message.</param>
    public static async Task RefusedEverywhereByAsync(IReadOnlyList<HttpClient> replicas, string accessToken, long deadline, string what)
    {
        foreach (var replica in replicas)
        {
            while (await GetStatusAsync(replica, "/users/me", accessToken) != HttpStatusCode.Unauthorized)
            {
                Assert.True(Stopwatch.GetTimestamp() < deadline, $"{replica.BaseAddress} still accepts a token of {what}.");
                await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
            }
        }
    }
}
