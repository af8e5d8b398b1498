using Harmonia.IntegrationTests.Caching;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Notifications;

/// <summary>
/// When Redis loses a user's notifications (a flush here), a client learns it must reload: connected or reconnecting,
/// it gets a <c>resync</c>, never a silent gap. Flushing disturbs everything else, so this runs with the disruptive tests.
/// </summary>
[Collection(DisruptiveCollection.Name)]
public sealed class NotificationRecoveryTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AfterARedisFlushConnectedAndReconnectingClientsGetAResync()
    {
        using var replicaA = fixture.CreateApiReplicaClient(0);
        using var replicaB = fixture.CreateApiReplicaClient(1);
        var user = await RegisterAndLoginAsync(replicaA);
        await using var connected = await NotificationListener.OpenAsync(replicaA, user.Tokens.AccessToken);
        var ready = await connected.NextAsync(Soon);
        var library = new LibraryClient(replicaB, user.Tokens.AccessToken);
        await library.AddPlaylistAsync("before the flush");
        Assert.Equal("library", (await connected.NextAsync(Soon)).Type);

        foreach (var server in fixture.Redis.GetServers())
        {
            await server.FlushAllDatabasesAsync();
        }

        await library.AddPlaylistAsync("after the flush");
        await using var reconnecting = await NotificationListener.OpenAsync(replicaB, user.Tokens.AccessToken, ready.Id);

        Assert.Equal("resync", (await connected.NextAsync(Soon)).Type);
        Assert.Equal("resync", (await reconnecting.NextAsync(Soon)).Type);
    }
}
