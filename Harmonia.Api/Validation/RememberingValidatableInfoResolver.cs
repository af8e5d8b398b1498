using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Validation;

namespace Harmonia.Api.Validation;

/// <summary>
/// Asks the validation resolvers about each type once. The source-generated resolver (.NET 10) builds a new
/// description of a type on every call, its properties and attributes and, by reflection, the types it implements,
/// and the validation filter asks on every request: about 450 B and 3 % of the API's CPU per <c>GET /library</c>
/// (dotnet-trace, perf; docs/benchmarks.md). A description holds only what its constructor was given and read, so
/// one per type serves every request. The types asked about are this app's request and parameter types, so the table
/// stays small.
/// </summary>
#pragma warning disable ASP0029 // The resolver API is experimental in .NET 10; AddValidation itself is built on it.
public sealed class RememberingValidatableInfoResolver(IReadOnlyList<IValidatableInfoResolver> resolvers) : IValidatableInfoResolver
{
    private readonly ConcurrentDictionary<Type, IValidatableInfo?> _types = new();

    public bool TryGetValidatableTypeInfo(Type type, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
    {
        validatableInfo = _types.GetOrAdd(type, static (type, resolvers) => Resolve(resolvers, type), resolvers);
        return validatableInfo is not null;
    }

    /// <summary>
    /// Asked once per endpoint parameter as endpoints are built, so not remembered. .NET 10 describes a parameter of
    /// any class type as validatable (a service the handler takes, too), and of some structs, and the validation
    /// filter then checks each of them on every request: <c>GET /users/{id}</c> ran it for its id and its two
    /// services alone. A parameter that can never fail is left out, so an endpoint with nothing else to check has no
    /// filter at all (<see cref="CanFail"/>).
    /// </summary>
    public bool TryGetValidatableParameterInfo(ParameterInfo parameterInfo, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
    {
        if (CanFail(parameterInfo))
        {
            foreach (var resolver in resolvers)
            {
                if (resolver.TryGetValidatableParameterInfo(parameterInfo, out validatableInfo))
                {
                    return true;
                }
            }
        }

        validatableInfo = null;
        return false;
    }

    /// <summary>Puts this resolver in front of the ones <c>AddValidation</c> registered, which it asks in their order.</summary>
    public static void Wrap(ValidationOptions options)
    {
        var resolvers = options.Resolvers.ToArray();
        options.Resolvers.Clear();
        options.Resolvers.Add(new RememberingValidatableInfoResolver(resolvers));
    }

    /// <summary>
    /// Whether validating the parameter's value could find anything: the framework checks the parameter's validation
    /// attributes, then each item of a collection, then the value's own type if that has validatable members. So a
    /// parameter with no such attribute, of a type no value can be more derived than (a struct or a sealed class),
    /// neither a collection nor validatable itself, always passes.
    /// </summary>
    private bool CanFail(ParameterInfo parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return parameter.IsDefined(typeof(ValidationAttribute), inherit: true)
            || !(type.IsValueType || type.IsSealed)
            || typeof(IEnumerable).IsAssignableFrom(type)
            || TryGetValidatableTypeInfo(type, out _);
    }

    private static IValidatableInfo? Resolve(IReadOnlyList<IValidatableInfoResolver> resolvers, Type type)
    {
        foreach (var resolver in resolvers)
        {
            if (resolver.TryGetValidatableTypeInfo(type, out var validatableInfo))
            {
                return validatableInfo;
            }
        }

        return null;
    }
}
#pragma warning restore ASP0029
