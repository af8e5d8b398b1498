using Harmonia.DataStores;
using Harmonia.Jobs;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Jobs;

/// <summary>
/// A submission whose caller hangs up once its job is stored still runs the waiting cap's count. When the caller's token
/// went on from the insert to the count, the driver threw <see cref="OperationCanceledException"/> although the insert
/// had landed, and the job stayed over the cap for the reconciler to dispatch: one more waiting job for every request
/// its caller cut short at the right moment.
/// </summary>
public sealed class HungUpSubmissionTests(AppHostFixture fixture)
{
    /// <summary>The count and the withdrawal after the insert: two MongoDB calls, with room for a busy machine.</summary>
    private static readonly TimeSpan WithdrawalBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ASubmissionOverTheWaitingCapWhoseCallerHangsUpIsStillWithdrawn()
    {
        var answers = new LostMongoAnswers();
        var settings = new Dictionary<string, string?>
        {
            // A queue no worker serves, so the waiting job stays waiting.
            ["Harmonia:Jobs:Queue"] = NewQueue("hungup"),
            ["Harmonia:Jobs:MaxWaitingPerUser"] = "1",
        };
        await using var api = await InProcessApi.StartAsync(fixture, settings, services => services
            .AddHttpContextAccessor()
            .AddSingleton(provider => new JobStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()), provider.GetRequiredService<TimeProvider>())));
        using var client = api.CreateClient();
        var user = await RegisterAndLoginAsync(client);
        await SubmitSongAsync(client, user.Tokens.AccessToken, "the one waiting job the cap allows", durationSeconds: 1);

        answers.HangUpDuringNext(nameof(IMongoCollection<JobDocument>.InsertOneAsync), HungUpCallers.AbortTheRequest(api.Services));
        await HungUpCallers.SendAsync(() => PostAsync(client, user.Tokens.AccessToken, Song("one over the cap, its caller gone", durationSeconds: 1)));

        MongoConventions.Register();
        var jobs = (await DatabaseAsync(fixture)).GetCollection<JobDocument>(JobStore.Name);
        await Eventually.HoldsAsync(
            async () => await jobs.CountDocumentsAsync(job => job.UserId == user.Id, cancellationToken: TestContext.Current.CancellationToken) == 1,
            WithdrawalBound,
            "the job over the cap is withdrawn");
        Assert.Equal(1, answers.Lost);
    }
}
