using System.Net;
using System.Net.Http.Json;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A refresh token's record that fails to be written (the insert never reaches MongoDB) costs the caller a 503 and
/// nothing else. When a refresh spent the old token before recording the new one, the retry got the sealed pair whose
/// token had no record, and the next refresh signed the user out; when a sign-in wrote its session before its token,
/// the failed sign-in left an active session nobody holds in GET /auth/sessions.
/// </summary>
public sealed class UnwrittenTokenRecordTests(AppHostFixture fixture)
{
    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARefreshWhoseNewTokenIsNotRecordedCanBeRetriedAndItsPairRefreshedAgain()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        answers.FailNext(nameof(IMongoCollection<RefreshTokenDocument>.InsertOneAsync), SessionStore.RefreshTokensName);
        var failed = await RefreshAsync(client, user.Tokens.RefreshToken);
        var retried = await RefreshAsync(client, user.Tokens.RefreshToken);
        var next = await RefreshAsync(client, retried.Tokens!.RefreshToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal(1, answers.Lost);
    }

    [Fact]
    public async Task ASignInWhoseTokenIsNotRecordedLeavesNoSessionBehind()
    {
        var answers = new LostMongoAnswers();
        await using var instance = await StartAsync(answers);
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);

        answers.FailNext(nameof(IMongoCollection<RefreshTokenDocument>.InsertOneAsync), SessionStore.RefreshTokensName);
        using (var failed = await client.PostAsJsonAsync("/auth/login", new { email = user.Email, password = Password }, CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        using var listed = await GetAsync(client, "/auth/sessions", user.Tokens.AccessToken);
        var sessions = await listed.Content.ReadFromJsonAsync<List<Session>>(CancellationToken);
        Assert.Equal([user.Tokens.SessionId], sessions!.Select(session => session.Id));
        Assert.Equal(1, answers.Lost);
    }

    private sealed record Session(string Id);

    private sealed record Refreshed(HttpStatusCode Status, Tokens? Tokens);

    /// <summary>An API instance whose writes to the sessions and refresh tokens can fail.</summary>
    private Task<InProcessHost<AccessTokens>> StartAsync(LostMongoAnswers answers) =>
        InProcessApi.StartAsync(fixture, services: services => services.AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));

    private static async Task<Refreshed> RefreshAsync(HttpClient api, string refreshToken)
    {
        using var response = await api.PostAsJsonAsync("/auth/refresh", new { refreshToken }, CancellationToken);
        return new Refreshed(response.StatusCode, response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<Tokens>(CancellationToken) : null);
    }
}
