using System.Reflection;
using StackExchange.Redis;

namespace Harmonia.Tests.Redis;

/// <summary>
/// A stand-in for a Redis connection whose every call is cancelled, as StackExchange.Redis cancels calls in flight on a
/// connection it tears down (its <c>TaskResultBox</c> calls <c>TrySetCanceled()</c>). No real server fails that way on demand. It reports itself connected, hands out databases
/// and subscribers that behave the same, and counts the calls it cancelled in <see cref="CancelledCalls"/>.
/// </summary>
public class CancellingRedis : DispatchProxy
{
    private static readonly MethodInfo CancelledOfT = typeof(CancellingRedis).GetMethod(nameof(Cancelled), 1, BindingFlags.NonPublic | BindingFlags.Static, [])!;

    private CancelledCalls _calls = null!;

    public static IConnectionMultiplexer Connect(CancelledCalls calls) => Make<IConnectionMultiplexer>(calls);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == $"get_{nameof(IConnectionMultiplexer.IsConnected)}")
        {
            return true;
        }

        if (targetMethod.Name == nameof(IConnectionMultiplexer.GetDatabase))
        {
            return Make<IDatabase>(_calls);
        }

        if (targetMethod.Name == nameof(IConnectionMultiplexer.GetSubscriber))
        {
            return Make<ISubscriber>(_calls);
        }

        var returned = targetMethod.ReturnType;
        if (returned == typeof(Task) || (returned.IsGenericType && returned.GetGenericTypeDefinition() == typeof(Task<>)))
        {
            _calls.Add();
            return returned == typeof(Task)
                ? Cancelled<bool>()
                : CancelledOfT.MakeGenericMethod(returned.GetGenericArguments()[0]).Invoke(null, []);
        }

        throw new NotSupportedException($"{targetMethod.Name} is not part of the stand-in.");
    }

    /// <summary>Cancelled as StackExchange.Redis cancels a call: <c>TrySetCanceled()</c>, with no token.</summary>
    private static Task<T> Cancelled<T>()
    {
        var call = new TaskCompletionSource<T>();
        call.TrySetCanceled();
        return call.Task;
    }

    private static T Make<T>(CancelledCalls calls)
        where T : class
    {
        var proxy = Create<T, CancellingRedis>();
        ((CancellingRedis)(object)proxy)._calls = calls;
        return proxy;
    }
}

/// <summary>The calls one <see cref="CancellingRedis"/> connection cancelled.</summary>
public sealed class CancelledCalls
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    internal void Add() => Interlocked.Increment(ref _count);
}
