using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Harmonia.Api.Auth;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Driver;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Auth;

/// <summary>
/// A sign-out whose MongoDB write lands but whose answer is lost (a timeout after the write was sent: a hung server
/// that resumes, a connection cut on the way back) answers 503, and the session still ends on every replica within
/// the revocation bound. Otherwise MongoDB would hold the end while every cache kept the session active, and a retry
/// would find nothing left to end.
/// </summary>
[Collection(InProcessCollection.Name)]
public sealed class LostAnswerSignOutTests(AppHostFixture fixture)
{
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ASignOutWhoseAnswerIsLostStillEndsTheSessionOnEveryReplicaWithinOneSecond()
    {
        var answers = new LostAnswers();
        await using var instance = await InProcessApi.StartAsync(
            fixture,
            services: services => services.AddSingleton(provider => new SessionStore(answers.Wrap(provider.GetRequiredService<IMongoDatabase>()))));
        using var client = instance.CreateClient();
        HttpClient[] everyReplica = [client, .. fixture.CreateApiReplicaClients()];
        var user = await RegisterAndLoginAsync(client);
        foreach (var replica in everyReplica)
        {
            Assert.Equal(HttpStatusCode.OK, await GetStatusAsync(replica, "/users/me", user.Tokens.AccessToken));
        }

        answers.LoseNext = true;
        using (var signOut = await SendAsync(client, HttpMethod.Post, "/auth/logout", user.Tokens.AccessToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signOut.StatusCode);
        }

        await TokenRefusal.RefusedEverywhereByAsync(
            everyReplica, user.Tokens.AccessToken, Stopwatch.GetTimestamp() + (long)(RevocationBound.TotalSeconds * Stopwatch.Frequency), "the session a second after its sign-out");

        Assert.Equal(1, answers.Lost);
    }

    /// <summary>
    /// Wraps a database so that its <c>sessions</c> collection, once <see cref="LoseNext"/> is set, makes its next
    /// <c>UpdateMany</c> and then throws <see cref="TimeoutException"/> instead of returning the result.
    /// </summary>
    private sealed class LostAnswers
    {
        public volatile bool LoseNext;

        private int _lost;

        public int Lost => Volatile.Read(ref _lost);

        public IMongoDatabase Wrap(IMongoDatabase database) => Forwarding.Create(database, this);

        public object? Intercept(MethodInfo method, object? result) =>
            result switch
            {
                IMongoCollection<SessionDocument> sessions => Forwarding.Create(sessions, this),
                Task<UpdateResult> update when method.Name == nameof(IMongoCollection<SessionDocument>.UpdateManyAsync) && LoseNext => LoseAsync(update),
                _ => result,
            };

        private async Task<UpdateResult> LoseAsync(Task<UpdateResult> update)
        {
            LoseNext = false;
            await update;
            Interlocked.Increment(ref _lost);
            throw new TimeoutException("The answer to the sessions' update was lost (test).");
        }
    }

    /// <summary>Forwards every call to the object it wraps, and lets <see cref="LostAnswers"/> replace what comes back.</summary>
    [SuppressMessage("Performance", "CA1852:Seal internal types", Justification = "DispatchProxy derives the proxy from it at run time.")]
    private class Forwarding : DispatchProxy
    {
        private object _target = null!;
        private LostAnswers _answers = null!;

        public static T Create<T>(T target, LostAnswers answers)
            where T : class
        {
            var proxy = DispatchProxy.Create<T, Forwarding>();
            var forwarding = (Forwarding)(object)proxy;
            (forwarding._target, forwarding._answers) = (target, answers);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            try
            {
                return _answers.Intercept(targetMethod, targetMethod.Invoke(_target, args));
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }
    }
}
