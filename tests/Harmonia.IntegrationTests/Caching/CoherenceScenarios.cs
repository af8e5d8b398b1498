using System.Net;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>What a write on one API replica does to the other's cache, run on the single Redis and on the cluster alike.</summary>
internal static class CoherenceScenarios
{
    /// <summary>How soon the other replica shows a write. Its L1 entry lives far longer, so only the backplane's eviction meets it.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    /// <summary>A profile read on replica B, changed on replica A: B shows the change within <see cref="Bound"/>.</summary>
    public static async Task ProfileUpdateIsSeenOnTheOtherReplicaAsync(HttpClient replicaA, HttpClient replicaB)
    {
        var user = await RegisterAndLoginAsync(replicaA, displayName: "Before");
        Assert.Equal("Before", await DisplayNameAsync(replicaB, user));

        using var patched = await SendAsync(replicaA, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await Eventually.HoldsAsync(async () => await DisplayNameAsync(replicaB, user) == "After", Bound, "replica B shows the new display name");
    }
}
