using Harmonia.Api.Users;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A write whose caller hangs up after MongoDB applied it still reaches every replica's cache within the coherence
/// bound. When the caller's token went on from the write to the cache step (or to the write itself, whose driver then
/// throws <see cref="OperationCanceledException"/> although the write landed), MongoDB held the change while every
/// replica served the old profile for an hour, or the old library page for 30 minutes.
/// </summary>
public sealed class HungUpWriteInvalidationTests(AppHostFixture fixture)
{
    private static readonly TimeSpan CoherenceBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AProfileChangeWhoseCallerHangsUpIsShownOnEveryReplica()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(services => services.AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        var (everyReplica, user) = await SignUpAsync(instance, "Before");
        foreach (var replica in everyReplica)
        {
            Assert.Equal("Before", await DisplayNameAsync(replica, user));
        }

        answers.HangUpDuringNext(nameof(IMongoCollection<UserDocument>.FindOneAndUpdateAsync), HungUpCallers.AbortTheRequest(instance.Services));
        await HungUpCallers.SendAsync(() => SendAsync(everyReplica[0], HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" }));

        foreach (var replica in everyReplica)
        {
            await Eventually.HoldsAsync(async () => await DisplayNameAsync(replica, user) == "After", CoherenceBound, "every replica shows the change that landed");
        }

        Assert.Equal(1, answers.Lost);
    }

    [Fact]
    public async Task ALibraryAdditionWhoseCallerHangsUpIsListedOnEveryReplica()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(services => services.AddSingleton(provider => new LibraryStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        var (everyReplica, user) = await SignUpAsync(instance);
        var libraries = everyReplica.Select(replica => new LibraryClient(replica, user.Tokens.AccessToken)).ToList();
        foreach (var library in libraries)
        {
            Assert.Empty((await library.GetPageAsync()).Items);
        }

        answers.HangUpDuringNext(nameof(IMongoCollection<LibraryItemDocument>.InsertOneAsync), HungUpCallers.AbortTheRequest(instance.Services));
        await HungUpCallers.SendAsync(() => SendAsync(everyReplica[0], HttpMethod.Post, "/library", user.Tokens.AccessToken, new { type = "playlist", title = "Added unanswered" }));

        foreach (var library in libraries)
        {
            await Eventually.HoldsAsync(
                async () => (await library.GetPageAsync()).Items.Any(listed => listed.Title == "Added unanswered"), CoherenceBound, "every replica lists the added item");
        }

        Assert.Equal(1, answers.Lost);
    }

    /// <summary>An API instance whose writes go through the store <paramref name="services"/> wraps, and whose requests a test can abort.</summary>
    private Task<InProcessHost<Harmonia.Api.Auth.AccessTokens>> StartAsync(Action<IServiceCollection> services) =>
        InProcessApi.StartAsync(fixture, services: collection => services(collection.AddHttpContextAccessor()));

    /// <summary>A new user, and a client for the instance (whose callers hang up) followed by one per replica.</summary>
    private async Task<(HttpClient[] EveryReplica, SignedInUser User)> SignUpAsync(InProcessHost<Harmonia.Api.Auth.AccessTokens> instance, string? displayName = null)
    {
        HttpClient[] everyReplica = [instance.CreateClient(), .. fixture.CreateApiReplicaClients()];
        return (everyReplica, await RegisterAndLoginAsync(everyReplica[0], displayName));
    }
}
