using System.Net;
using Harmonia.Api.Users;
using Harmonia.Music;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Caching;

/// <summary>
/// A write whose MongoDB answer is lost (it lands, the caller gets a 503), or whose caller hangs up once it landed,
/// still reaches every replica's cache within the coherence bound. Otherwise MongoDB would hold the change while the
/// caches served the old value until expiry, and a retry of a removal would find nothing left to remove (404) and
/// invalidate nothing. When the caller's token went on from the write to the cache step (or to the write itself, whose
/// driver then throws <see cref="OperationCanceledException"/> although the write landed), a hung-up caller left the
/// old profile served for an hour, or the old library page for 30 minutes.
/// </summary>
public sealed class LostAnswerInvalidationTests(AppHostFixture fixture)
{
    private static readonly TimeSpan CoherenceBound = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a hang-up, the request's write and invalidation end unobserved, at the server's own pace after the caller
    /// saw its connection drop, so coherence's second starts at a moment the test cannot see; margin for a busy machine.
    /// </summary>
    private static readonly TimeSpan AfterHangUpBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AProfileChangeWhoseAnswerIsLostIsShownOnEveryReplica()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(services => services.AddSingleton(provider => new UserStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        var (everyReplica, user) = await SignUpAsync(instance, "Before");
        foreach (var replica in everyReplica)
        {
            Assert.Equal("Before", await DisplayNameAsync(replica, user));
        }

        answers.LoseNext(nameof(IMongoCollection<UserDocument>.FindOneAndUpdateAsync));
        using (var patched = await SendAsync(everyReplica[0], HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { displayName = "After" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, patched.StatusCode);
        }

        foreach (var replica in everyReplica)
        {
            await Eventually.HoldsAsync(async () => await DisplayNameAsync(replica, user) == "After", CoherenceBound, "every replica shows the change that landed");
        }

        Assert.Equal(1, answers.Lost);
    }

    [Fact]
    public async Task ALibraryRemovalWhoseAnswerIsLostLeavesEveryReplicasPages()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(services => services.AddSingleton(provider => new LibraryStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        var (everyReplica, user) = await SignUpAsync(instance);
        var item = await new LibraryClient(everyReplica[0], user.Tokens.AccessToken).AddPlaylistAsync("Removed unanswered");
        var libraries = everyReplica.Select(replica => new LibraryClient(replica, user.Tokens.AccessToken)).ToList();
        foreach (var library in libraries)
        {
            Assert.Contains((await library.GetPageAsync()).Items, listed => listed.Id == item.Id);
        }

        answers.LoseNext(nameof(IMongoCollection<LibraryItemDocument>.DeleteOneAsync));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await libraries[0].RemoveAsync(item.Id));
        Assert.Equal(HttpStatusCode.NotFound, await libraries[0].RemoveAsync(item.Id));

        foreach (var library in libraries)
        {
            await Eventually.HoldsAsync(
                async () => (await library.GetPageAsync()).Items.All(listed => listed.Id != item.Id), CoherenceBound, "no replica lists the removed item");
        }

        Assert.Equal(1, answers.Lost);
    }

    [Fact]
    public async Task ASongDeletionWhoseAnswerIsLostIsSeenOnEveryReplica()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(services => services.AddSingleton(provider => new SongStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        var (everyReplica, user) = await SignUpAsync(instance);
        var song = await TestData.InsertSongAsync(fixture, user.Id);
        foreach (var replica in everyReplica)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, $"/songs/{song.Id}", user.Tokens.AccessToken));
        }

        answers.LoseNext(nameof(IMongoCollection<SongDocument>.DeleteOneAsync));
        using (var deleted = await SendAsync(everyReplica[0], HttpMethod.Delete, $"/songs/{song.Id}", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, deleted.StatusCode);
        }

        foreach (var replica in everyReplica)
        {
            await Eventually.HoldsAsync(
                async () => await GetStatusAsync(replica, $"/songs/{song.Id}", user.Tokens.AccessToken) == HttpStatusCode.NotFound,
                CoherenceBound,
                "no replica serves the deleted song");
        }

        Assert.Equal(1, answers.Lost);
    }

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
            await Eventually.HoldsAsync(async () => await DisplayNameAsync(replica, user) == "After", AfterHangUpBound, "every replica shows the change that landed");
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
                async () => (await library.GetPageAsync()).Items.Any(listed => listed.Title == "Added unanswered"), AfterHangUpBound, "every replica lists the added item");
        }

        Assert.Equal(1, answers.Lost);
    }

    /// <summary>An API instance whose writes go through the store <paramref name="services"/> wraps, and whose requests a test can abort; it shares Redis and MongoDB with the replicas.</summary>
    private Task<InProcessHost<Harmonia.Api.Auth.AccessTokens>> StartAsync(Action<IServiceCollection> services) =>
        InProcessApi.StartAsync(fixture, services: collection => services(collection.AddHttpContextAccessor()));

    /// <summary>A new user, and a client for the instance (whose writes can lose their answers or callers) followed by one per replica.</summary>
    private async Task<(HttpClient[] EveryReplica, SignedInUser User)> SignUpAsync(InProcessHost<Harmonia.Api.Auth.AccessTokens> instance, string? displayName = null)
    {
        HttpClient[] everyReplica = [instance.CreateClient(), .. fixture.CreateApiReplicaClients()];
        return (everyReplica, await RegisterAndLoginAsync(everyReplica[0], displayName));
    }
}
