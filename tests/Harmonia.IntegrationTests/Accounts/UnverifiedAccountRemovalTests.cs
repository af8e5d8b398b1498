using System.Net;
using Harmonia.Api.Accounts;
using Harmonia.Api.Auth;
using Harmonia.Api.Users;
using Harmonia.IntegrationTests.Caching;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using MongoDB.Driver;
using Xunit.Sdk;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Accounts whose address is never verified are removed after their lifetime, with what they made.</summary>
public sealed class UnverifiedAccountRemovalTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RemovalBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CoherenceBound = TimeSpan.FromSeconds(1);

    /// <summary>An instance's settings: unverified accounts it signs up are removed within seconds.</summary>
    private static readonly Dictionary<string, string?> Sweeping = new()
    {
        // Long enough to sign in and add to the library on a busy machine, short enough for a test.
        ["Harmonia:Accounts:UnverifiedAccountLifetime"] = "00:00:08",
        ["Harmonia:Accounts:RemovalSweepInterval"] = "00:00:01",
    };

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>
    /// The account's sessions stay on record, ended, until housekeeping deletes them as it does every ended session: a
    /// replica whose Redis stream lost their revocation reads it from there. Deleted with the account, they left such a
    /// replica accepting the account's access tokens until they expired.
    /// </summary>
    [Fact]
    public async Task AnAccountNeverVerifiedIsRemovedWithItsLibraryItsSessionsEndedAndItsAddressIsFreeAgain()
    {
        await using var instance = await InProcessApi.StartAsync(fixture, Sweeping, services => services.AddFakeLogging());
        using var api = instance.CreateClient();
        using var mailbox = fixture.CreateMailbox();
        var squatter = await RegisterAndLoginAsync(api);
        await new LibraryClient(api, squatter.Tokens.AccessToken).AddPlaylistAsync("Never verified");

        await RemovedAsync(instance, squatter.Email);

        Assert.Equal(HttpStatusCode.Unauthorized, await GetStatusAsync(api, "/users/me", squatter.Tokens.AccessToken));
        Assert.Equal(0, await fixture.Database.GetCollection<LibraryItemDocument>(LibraryStore.Name)
            .CountDocumentsAsync(item => item.UserId == squatter.Id, cancellationToken: CancellationToken));
        var session = await fixture.Database.GetCollection<SessionDocument>(SessionStore.SessionsName)
            .Find(session => session.Id == squatter.Tokens.SessionId).SingleOrDefaultAsync(CancellationToken);
        Assert.NotNull(session);
        Assert.NotNull(session.RevokedAt);
        Assert.Equal("unverified-account-removed", session.RevokedReason);
        Assert.Equal(0, await fixture.Database.GetCollection<RefreshTokenDocument>(SessionStore.RefreshTokensName)
            .CountDocumentsAsync(token => token.UserId == squatter.Id, cancellationToken: CancellationToken));
        // The address is free again for whoever owns it.
        await RegisterAsync(api, squatter.Email);
        await mailbox.WaitForAsync(squatter.Email, Mailbox.Subjects.Verification, count: 2);
    }

    [Fact]
    public async Task ARemovalWhoseLastAnswerIsLostStillLeavesNoReplicaServingTheAccount()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            Sweeping,
            services => services
                .AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>())))
                .AddFakeLogging());
        using var api = instance.CreateClient();
        var replicas = fixture.CreateApiReplicaClients();
        var squatter = await RegisterAndLoginAsync(api);
        // Signed up on a replica, so the account has the shipped lifetime and outlives the test.
        var reader = await RegisterAndLoginAsync(replicas[0]);
        foreach (var replica in replicas)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/users/{squatter.Id}", reader.Tokens.AccessToken));
        }

        // The account is deleted last; its answer lost, the next sweep would find no account left to finish.
        answers.LoseNext(nameof(IMongoCollection<UserDocument>.DeleteOneAsync));
        await RemovedAsync(instance, squatter.Email);

        foreach (var replica in replicas)
        {
            await Eventually.HoldsAsync(
                async () => await GetStatusAsync(replica, $"/users/{squatter.Id}", reader.Tokens.AccessToken) == HttpStatusCode.NotFound,
                CoherenceBound,
                "no replica serves the removed account's profile");
        }

        Assert.Equal(1, answers.Lost);
    }

    /// <summary>
    /// Waits for the instance's sweep to remove the account. A wait that ran out once in a CI run (2026-12-07) left
    /// nothing to say why, so a failure carries the account as it was left (claimed or not) and what the instance
    /// logged of its sweeps.
    /// </summary>
    private async Task RemovedAsync(InProcessHost<AccessTokens> instance, string email)
    {
        try
        {
            await Eventually.HoldsAsync(async () => await AccountStore.FindAsync(fixture, email) is null, RemovalBound, "the unverified account is removed");
        }
        catch (FailException failure)
        {
            var account = await AccountStore.FindAsync(fixture, email);
            var sweeps = instance.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
                .Where(record => record.Category == typeof(UnverifiedAccountRemoval).FullName)
                .Select(record => $"{record.Timestamp:HH:mm:ss.fff} {record.Level}: {record.Message} {record.Exception}");
            Assert.Fail(
                $"{failure.Message} At {DateTime.UtcNow:HH:mm:ss.fff} the account is claimed: {account?.Removing}, due at {account?.RemoveUnverifiedAt:HH:mm:ss.fff}. " +
                $"The instance's sweeps logged:{Environment.NewLine}{string.Join(Environment.NewLine, sweeps)}");
        }
    }
}
