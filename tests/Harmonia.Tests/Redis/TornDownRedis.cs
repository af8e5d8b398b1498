using System.IO.Pipelines;
using System.Reflection;
using StackExchange.Redis;

namespace Harmonia.Tests.Redis;

/// <summary>How StackExchange.Redis fails the calls in flight on a connection it tears down after giving it up.</summary>
public enum Teardown
{
    /// <summary>Cancelled with no one's token: its <c>TaskResultBox</c> calls <c>TrySetCanceled()</c>.</summary>
    Cancelled,

    /// <summary>With what its read loop hit on the pipe it had just completed, unwrapped.</summary>
    PipeCompleted,
}

/// <summary>
/// A stand-in for a Redis connection torn down under every call (<see cref="Teardown"/>); no real server fails that way
/// on demand. It reports itself connected, hands out databases and subscribers that behave the same, and counts the
/// calls it failed in <see cref="FailedCalls"/>.
/// </summary>
public class TornDownRedis : DispatchProxy
{
    private static readonly MethodInfo FailedOfT = typeof(TornDownRedis).GetMethod(nameof(Failed), 1, BindingFlags.NonPublic | BindingFlags.Instance, [])!;

    private Teardown _teardown;
    private FailedCalls _calls = null!;

    public static IConnectionMultiplexer Connect(Teardown teardown, FailedCalls calls) => Make<IConnectionMultiplexer>(teardown, calls);

    /// <summary>What a completed pipe throws at a reader, thrown by a pipe, so that it is the real thing (its type, its source).</summary>
    public static InvalidOperationException ReadingACompletedPipe()
    {
        var pipe = new Pipe();
        pipe.Reader.Complete();
        try
        {
            pipe.Reader.TryRead(out _);
        }
        catch (InvalidOperationException exception)
        {
            return exception;
        }

        throw new InvalidOperationException("A completed pipe let its reader read.");
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == $"get_{nameof(IConnectionMultiplexer.IsConnected)}")
        {
            return true;
        }

        if (targetMethod.Name == nameof(IConnectionMultiplexer.GetDatabase))
        {
            return Make<IDatabase>(_teardown, _calls);
        }

        if (targetMethod.Name == nameof(IConnectionMultiplexer.GetSubscriber))
        {
            return Make<ISubscriber>(_teardown, _calls);
        }

        var returned = targetMethod.ReturnType;
        if (returned == typeof(Task) || (returned.IsGenericType && returned.GetGenericTypeDefinition() == typeof(Task<>)))
        {
            _calls.Add();
            return returned == typeof(Task)
                ? Failed<bool>()
                : FailedOfT.MakeGenericMethod(returned.GetGenericArguments()[0]).Invoke(this, []);
        }

        throw new NotSupportedException($"{targetMethod.Name} is not part of the stand-in.");
    }

    private Task<T> Failed<T>()
    {
        var call = new TaskCompletionSource<T>();
        if (_teardown == Teardown.Cancelled)
        {
            call.TrySetCanceled();
        }
        else
        {
            call.TrySetException(ReadingACompletedPipe());
        }

        return call.Task;
    }

    private static T Make<T>(Teardown teardown, FailedCalls calls)
        where T : class
    {
        var proxy = Create<T, TornDownRedis>();
        ((TornDownRedis)(object)proxy)._teardown = teardown;
        ((TornDownRedis)(object)proxy)._calls = calls;
        return proxy;
    }
}

/// <summary>The calls one <see cref="TornDownRedis"/> connection failed.</summary>
public sealed class FailedCalls
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    internal void Add() => Interlocked.Increment(ref _count);
}
