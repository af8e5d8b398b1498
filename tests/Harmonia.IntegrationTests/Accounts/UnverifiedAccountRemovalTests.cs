using System.Net;
using Harmonia.IntegrationTests.Caching;
using Harmonia.Music;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Accounts whose address is never verified are removed after their lifetime, with what they made.</summary>
public sealed class UnverifiedAccountRemovalTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RemovalBound = TimeSpan.FromSeconds(30);

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAccountNeverVerifiedIsRemovedWithItsLibraryAndSessionsAndItsAddressIsFreeAgain()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?>
        {
            // Long enough to sign in and add to the library on a busy machine, short enough for a test.
            ["Harmonia:Accounts:UnverifiedAccountLifetime"] = "00:00:08",
            ["Harmonia:Accounts:RemovalSweepInterval"] = "00:00:01",
        });
        using var api = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();
        var squatter = await RegisterAndLoginAsync(api);
        await new LibraryClient(api, squatter.Tokens.AccessToken).AddPlaylistAsync("Never verified");

        await Eventually.HoldsAsync(async () => await AccountStore.FindAsync(fixture, squatter.Email) is null, RemovalBound, "the unverified account is removed");

        Assert.Equal(HttpStatusCode.Unauthorized, await GetStatusAsync(api, "/users/me", squatter.Tokens.AccessToken));
        Assert.Equal(0, await fixture.Database.GetCollection<LibraryItemDocument>(LibraryStore.Name)
            .CountDocumentsAsync(item => item.UserId == squatter.Id, cancellationToken: CancellationToken));
        // The address is free again for whoever owns it.
        await RegisterAsync(api, squatter.Email);
        await mailbox.WaitForAsync(squatter.Email, Mailbox.Subjects.Verification, count: 2);
    }
}
