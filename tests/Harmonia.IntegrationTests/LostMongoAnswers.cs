using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.ExceptionServices;
using MongoDB.Driver;

namespace Harmonia.IntegrationTests;

/// <summary>
/// Wraps a database so that, once <see cref="LoseNext"/> names a collection method, the next call of it on any of the
/// database's collections is made and then throws <see cref="TimeoutException"/> instead of answering: a write that
/// lands while its answer is lost (a hung server that resumes, a connection cut on the way back).
/// </summary>
internal sealed class LostMongoAnswers
{
    private static readonly MethodInfo LoseResultAsyncMethod = typeof(LostMongoAnswers).GetMethod(nameof(LoseResultAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private string? _next;
    private int _lost;

    /// <summary>How many answers were lost so far.</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>Loses the answer to the next call of <paramref name="method"/>, a method of <see cref="IMongoCollection{TDocument}"/>.</summary>
    public void LoseNext(string method) => Volatile.Write(ref _next, method);

    public IMongoDatabase Wrap(IMongoDatabase database) => Forwarding.Create(database, this);

    private object? Intercept(MethodInfo method, object? result)
    {
        if (result is not null && method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(IMongoCollection<>))
        {
            return Forwarding.Create(method.ReturnType, result, this);
        }

        // Disarmed by exchanging the very string read, because the exchange compares references, not text.
        var next = Volatile.Read(ref _next);
        if (result is not Task task || next != method.Name || Interlocked.CompareExchange(ref _next, null, next) != next)
        {
            return result;
        }

        return method.ReturnType.IsGenericType
            ? LoseResultAsyncMethod.MakeGenericMethod(method.ReturnType.GetGenericArguments()).Invoke(this, [task])
            : LoseAsync(task);
    }

    private async Task LoseAsync(Task write)
    {
        await write;
        throw Losing();
    }

    private async Task<TResult> LoseResultAsync<TResult>(Task<TResult> write)
    {
        await write;
        throw Losing();
    }

    private TimeoutException Losing()
    {
        Interlocked.Increment(ref _lost);
        return new TimeoutException("The answer to the write was lost (test).");
    }

    /// <summary>Forwards every call to the object it wraps, and lets <see cref="LostMongoAnswers"/> replace what comes back.</summary>
    [SuppressMessage("Performance", "CA1852:Seal internal types", Justification = "DispatchProxy derives the proxy from it at run time.")]
    private class Forwarding : DispatchProxy
    {
        private object _target = null!;
        private LostMongoAnswers _answers = null!;

        public static T Create<T>(T target, LostMongoAnswers answers)
            where T : class => (T)Create(typeof(T), target, answers);

        public static object Create(Type contract, object target, LostMongoAnswers answers)
        {
            var proxy = DispatchProxy.Create(contract, typeof(Forwarding));
            var forwarding = (Forwarding)proxy;
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
