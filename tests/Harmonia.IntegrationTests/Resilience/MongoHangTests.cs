using System.Diagnostics;
using System.Net;
using MongoDB.Bson;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Resilience;

/// <summary>
/// A MongoDB that stops answering while its connections stay open (SIGSTOP: a hung process, or a network dropping
/// packets) costs a request a bounded wait and then a 503, never a hang; once it answers again, so does the API. An
/// unreachable MongoDB fails fast on its own and is covered by the caching outage tests; a hung one does not fail at
/// all unless every wait on it is bounded (docs/resilience.md).
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class MongoHangTests(AppHostFixture fixture)
{
    /// <summary>
    /// The longest shipped wait for a read is one of a key nobody has cached while another caller's read of it hangs:
    /// up to the 3 s hard timeout for that caller's read, then up to 3 s for its own. A write on a standalone server
    /// waits at most MongoDB's 5 s socket bound (the driver does not retry it there). The rest is margin for a busy
    /// machine.
    /// </summary>
    private static readonly TimeSpan StandaloneAnswerBound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On a replica set the driver retries a write once after a network error, selecting a server again first: up to
    /// three 5 s waits (the first attempt's socket, the new selection, the retry's socket). The rest is margin.
    /// </summary>
    private static readonly TimeSpan ReplicaSetAnswerBound = TimeSpan.FromSeconds(20);

    /// <summary>Where a request still waiting is given up on: the thing this test exists to catch.</summary>
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>The driver finds the server again on its next heartbeat once the reads waiting for one ask for it.</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WithMongoHungEveryReadAndWriteIsAnsweredWithinSecondsAndTheApiRecoversWhenItAnswersAgain()
    {
        await using var mongo = await OwnMongo.StartStandaloneAsync(fixture);
        await HangScenarioAsync(mongo, StandaloneAnswerBound);
    }

    [Fact]
    public async Task WithAReplicaSetHungAWriteTheDriverRetriesIsStillAnsweredWithinSeconds()
    {
        await using var mongo = await OwnMongo.StartReplicaSetAsync(fixture);
        await HangScenarioAsync(mongo, ReplicaSetAnswerBound);
    }

    /// <summary>Four concurrent reads of one uncached key and a profile change while MongoDB hangs: each a 503 within <paramref name="answerBound"/>; then reads recover.</summary>
    private async Task HangScenarioAsync(OwnMongo mongo, TimeSpan answerBound)
    {
        await using var instance = await InProcessApi.StartAsync(fixture, new Dictionary<string, string?> { ["ConnectionStrings:harmonia"] = mongo.ConnectionString });
        using var client = instance.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        // The session is checked, and so cached, before MongoDB stops; the profile read below misses every level.
        Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(client, "/users/me", user.Tokens.AccessToken));
        var nobody = $"/users/{ObjectId.GenerateNewId()}";

        await mongo.FreezeAsync();
        Answer[] answers;
        try
        {
            // Concurrent reads of one uncached key queue behind the first one's read of MongoDB.
            answers = await Task.WhenAll(
                [
                    .. Enumerable.Range(0, 4).Select(_ => TimeAsync(client, HttpMethod.Get, nobody, user.Tokens.AccessToken)),
                    TimeAsync(client, HttpMethod.Patch, "/users/me", user.Tokens.AccessToken, new { bio = "Written while MongoDB hangs." }),
                ]);
        }
        finally
        {
            await mongo.ThawAsync();
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", answers.Select(answer => $"{answer.Request}: {answer.Status?.ToString() ?? "no answer"} after {answer.Elapsed.TotalSeconds:0.0} s")));
        Assert.All(answers, answer =>
        {
            Assert.True(answer.Status is not null, $"{answer.Request} was still waiting after {GiveUpAfter.TotalSeconds:0} s.");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
            Assert.True(answer.Elapsed <= answerBound, $"{answer.Request} took {answer.Elapsed.TotalSeconds:0.0} s.");
        });
        await Eventually.HoldsAsync(
            async () => await GetStatusAsync(client, nobody, user.Tokens.AccessToken) == HttpStatusCode.NotFound,
            RecoveryBound,
            "reads answer from MongoDB again once it does");
    }

    private sealed record Answer(string Request, HttpStatusCode? Status, TimeSpan Elapsed);

    private static async Task<Answer> TimeAsync(HttpClient client, HttpMethod method, string path, string accessToken, object? body = null)
    {
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        giveUp.CancelAfter(GiveUpAfter);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await SendAsync(client, method, path, accessToken, body, giveUp.Token);
            return new Answer($"{method} {path}", response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return new Answer($"{method} {path}", null, Stopwatch.GetElapsedTime(started));
        }
    }
}
