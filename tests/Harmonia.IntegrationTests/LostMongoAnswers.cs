using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Wraps a database so that the next call of a collection method a test names fails the way MongoDB calls fail in
/// production, on any of the database's collections (or only on the one named), and for <see cref="FailNext"/> with any
/// arguments or only with those a predicate accepts (when other callers, such as a background reader, make the same call
/// on the same collection):
/// <list type="bullet">
/// <item><see cref="LoseNext"/>: the call is made and then throws <see cref="TimeoutException"/> instead of answering, a
/// write that lands while its answer is lost (a hung server that resumes, a connection cut on the way back).</item>
/// <item><see cref="InterruptAfterNext"/>: the call is made and then throws what MongoDB.Driver throws when an election
/// interrupts it (11602, InterruptedDueToReplStateChange, a <see cref="MongoNodeIsRecoveringException"/>): a write that lands while
/// the server reports a failure that is not a lost answer, as a multi-document update, which is not retried, can.</item>
/// <item><see cref="FailNext"/>: the call throws <see cref="TimeoutException"/> without being made, a write that never
/// reached the server.</item>
/// <item><see cref="HangUpDuringNext"/>: the call is made, and once it has landed the caller hangs up; the call then
/// throws <see cref="OperationCanceledException"/> if the token it was given is cancelled by that, as MongoDB.Driver does,
/// and answers otherwise.</item>
/// <item><see cref="HoldNext"/>: the call waits, unsent, until the test lets it go, and then is made and answers: a call
/// that a slow step before it (a password hash, a pause of the process) delays while other requests run.</item>
/// <item><see cref="HoldAnswerToNext"/>: the call is made, and its answer waits until the test lets it go, a slow answer
/// (a busy server, a long pause) while other callers act on what the call wrote.</item>
/// </list>
/// </summary>
internal sealed class LostMongoAnswers
{
    /// <summary>Only guards against a hold that never comes: the steps before a held call take a second or two.</summary>
    private static readonly TimeSpan HoldTimeout = TimeSpan.FromMinutes(1);

    private static readonly MethodInfo FaultResultAsyncMethod = typeof(LostMongoAnswers).GetMethod(nameof(FaultResultAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private Fault? _next;
    private int _lost;

    /// <summary>How many calls the armed faults took so far.</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>Loses the answer to the next call of <paramref name="method"/>, a method of <see cref="IMongoCollection{TDocument}"/>.</summary>
    /// <param name="collection">Only a call on this collection; any collection when null.</param>
    public void LoseNext(string method, string? collection = null) =>
        Volatile.Write(ref _next, new Fault(new Call(method, collection, When: null), Unsent: false, HangUp: null, Hold: null, new TimeoutException("The answer to the write was lost (test).")));

    /// <summary>Makes the next call of <paramref name="method"/>, then fails it as an election interrupting it after it landed.</summary>
    /// <inheritdoc cref="LoseNext" path="/param"/>
    public void InterruptAfterNext(string method, string? collection = null) =>
        Volatile.Write(ref _next, new Fault(new Call(method, collection, When: null), Unsent: false, HangUp: null, Hold: null, InterruptedByElection(collection)));

    /// <summary>Fails the next call of <paramref name="method"/> before it reaches the server.</summary>
    /// <inheritdoc cref="LoseNext" path="/param"/>
    /// <param name="when">Only a call whose arguments, in the order the method declares them, this accepts; any call when null.</param>
    public void FailNext(string method, string? collection = null, Func<IReadOnlyList<object?>, bool>? when = null) =>
        Volatile.Write(ref _next, new Fault(new Call(method, collection, when), Unsent: true, HangUp: null, Hold: null, AfterLanding: null));

    /// <summary>Runs <paramref name="hangUp"/> (which ends the caller's request) once the next call of <paramref name="method"/> has landed.</summary>
    public void HangUpDuringNext(string method, Action hangUp) =>
        Volatile.Write(ref _next, new Fault(new Call(method, Collection: null, When: null), Unsent: false, hangUp, Hold: null, AfterLanding: null));

    /// <summary>Holds the next call of <paramref name="method"/> before it is sent, until <paramref name="release"/> completes.</summary>
    /// <inheritdoc cref="LoseNext" path="/param"/>
    /// <returns>Completes once a call is held; fails if none is within a minute, or when the test is cancelled.</returns>
    public Task HoldNext(string method, Task release, string? collection = null) =>
        Arm(new Call(method, collection, When: null), release, beforeSending: true);

    /// <summary>Once the next call of <paramref name="method"/> has landed, answers it only when <paramref name="release"/> completes.</summary>
    /// <inheritdoc cref="LoseNext" path="/param"/>
    /// <returns>Completes once a call has landed and its answer is held; fails as <see cref="HoldNext"/>'s does.</returns>
    public Task HoldAnswerToNext(string method, Task release, string? collection = null) =>
        Arm(new Call(method, collection, When: null), release, beforeSending: false);

    public IMongoDatabase Wrap(IMongoDatabase database) => Forwarding.Create(database, this, collection: null);

    private Task Arm(Call call, Task release, bool beforeSending)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _next, new Fault(call, Unsent: false, HangUp: null, new Hold(held, release, beforeSending), AfterLanding: null));
        return held.Task.WaitAsync(HoldTimeout, TestContext.Current.CancellationToken);
    }

    /// <summary>The armed fault, disarmed, if it is for this call; exchanging the very instance read, so only one call takes it.</summary>
    private Fault? Take(MethodInfo method, string? collection, object?[]? args)
    {
        var next = Volatile.Read(ref _next);
        return next is not null
            && typeof(Task).IsAssignableFrom(method.ReturnType)
            && next.Call.Method == method.Name
            && (next.Call.Collection is null || next.Call.Collection == collection)
            && (next.Call.When is null || next.Call.When(args ?? []))
            && Interlocked.CompareExchange(ref _next, null, next) == next
                ? next
                : null;
    }

    private object? Faulted(Fault fault, MethodInfo method, Func<object?> call, object?[]? args)
    {
        var token = args?.OfType<CancellationToken>().FirstOrDefault() ?? CancellationToken.None;
        return method.ReturnType.IsGenericType
            ? FaultResultAsyncMethod.MakeGenericMethod(method.ReturnType.GetGenericArguments()).Invoke(this, [fault, call, token])
            : FaultResultAsync<bool>(fault, () => AnsweredAsync((Task)call()!), token);
    }

    private static async Task<bool> AnsweredAsync(Task call)
    {
        await call;
        return true;
    }

    private async Task<TResult> FaultResultAsync<TResult>(Fault fault, Func<object?> call, CancellationToken token)
    {
        Interlocked.Increment(ref _lost);
        if (fault.Unsent)
        {
            throw new TimeoutException("The write never reached the server (test).");
        }

        if (fault.Hold is { BeforeSending: true } before)
        {
            before.Held.SetResult();
            await before.Release;
            return await (Task<TResult>)call()!;
        }

        var result = await (Task<TResult>)call()!;
        if (fault.Hold is { } after)
        {
            after.Held.SetResult();
            await after.Release;
            return result;
        }

        if (fault.AfterLanding is { } failure)
        {
            throw failure;
        }

        fault.HangUp!();
        token.ThrowIfCancellationRequested();
        return result;
    }

    /// <summary>What MongoDB.Driver throws for that answer (it maps 11602 to a node that is recovering).</summary>
    private static MongoNodeIsRecoveringException InterruptedByElection(string? collection) =>
        new(
            new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017))),
            new BsonDocument("update", collection ?? "test"),
            new BsonDocument
            {
                { "ok", 0 },
                { "errmsg", "operation was interrupted because of a replica set state change (test)" },
                { "code", 11602 },
                { "codeName", "InterruptedDueToReplStateChange" },
            });

    /// <param name="AfterLanding">What the call throws once it has landed, instead of answering.</param>
    private sealed record Fault(Call Call, bool Unsent, Action? HangUp, Hold? Hold, Exception? AfterLanding);

    /// <summary>Which call a fault is for: see <see cref="FailNext"/>'s parameters.</summary>
    private sealed record Call(string Method, string? Collection, Func<IReadOnlyList<object?>, bool>? When);

    private sealed record Hold(TaskCompletionSource Held, Task Release, bool BeforeSending);

    /// <summary>Forwards every call to the object it wraps, and lets <see cref="LostMongoAnswers"/> replace what comes back.</summary>
    [SuppressMessage("Performance", "CA1852:Seal internal types", Justification = "DispatchProxy derives the proxy from it at run time.")]
    private class Forwarding : DispatchProxy
    {
        private object _target = null!;
        private LostMongoAnswers _answers = null!;
        private string? _collection;

        public static T Create<T>(T target, LostMongoAnswers answers, string? collection)
            where T : class => (T)Create(typeof(T), target, answers, collection);

        public static object Create(Type contract, object target, LostMongoAnswers answers, string? collection)
        {
            var proxy = DispatchProxy.Create(contract, typeof(Forwarding));
            var forwarding = (Forwarding)proxy;
            (forwarding._target, forwarding._answers, forwarding._collection) = (target, answers, collection);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (_answers.Take(targetMethod, _collection, args) is { } fault)
            {
                return _answers.Faulted(fault, targetMethod, () => Call(targetMethod, args), args);
            }

            var result = Call(targetMethod, args);
            return result is not null && targetMethod.ReturnType.IsGenericType && targetMethod.ReturnType.GetGenericTypeDefinition() == typeof(IMongoCollection<>)
                ? Create(targetMethod.ReturnType, result, _answers, (string)args![0]!)
                : result;
        }

        private object? Call(MethodInfo method, object?[]? args)
        {
            try
            {
                return method.Invoke(_target, args);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }
    }
}
