using System.Reflection;
using StackExchange.Redis;

namespace Harmonia.Tests.Redis;

/// <summary>
/// A stand-in for a Redis connection whose every call is cancelled, as StackExchange.Redis cancels calls in flight on a
/// connection it tears down. No real server fails that way on demand. It reports itself connected, hands out databases
/// and subscribers that behave the same, and counts the calls it cancelled in <see cref="CancelledCalls"/>.
/// </summary>
public class CancellingRedis : DispatchProxy
{
    private static readonly MethodInfo FromCanceled = typeof(Task).GetMethods()
        .Single(method => method is { Name: nameof(Task.FromCanceled), IsGenericMethod: true });

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
            var cancelled = new CancellationToken(canceled: true);
            return returned == typeof(Task)
                ? Task.FromCanceled(cancelled)
                : FromCanceled.MakeGenericMethod(returned.GetGenericArguments()[0]).Invoke(null, [cancelled]);
        }

        throw new NotSupportedException($"{targetMethod.Name} is not part of the stand-in.");
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
