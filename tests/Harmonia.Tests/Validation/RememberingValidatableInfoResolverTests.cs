using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Harmonia.Api.Validation;
using Microsoft.Extensions.Validation;

namespace Harmonia.Tests.Validation;

#pragma warning disable ASP0029 // The resolver API under test is experimental in .NET 10.

/// <summary>The validation resolvers are asked about a type once; their answers, and their order, are kept.</summary>
public sealed class RememberingValidatableInfoResolverTests
{
    [Fact]
    public void EachTypeIsResolvedOnceByTheFirstResolverThatKnowsIt()
    {
        var first = new DescribingResolver(typeof(string));
        var second = new DescribingResolver(typeof(string), typeof(int));
        var options = new ValidationOptions();
        options.Resolvers.Add(first);
        options.Resolvers.Add(second);

        RememberingValidatableInfoResolver.Wrap(options);

        Assert.True(options.TryGetValidatableTypeInfo(typeof(string), out var text));
        Assert.True(options.TryGetValidatableTypeInfo(typeof(string), out var textAgain));
        Assert.True(options.TryGetValidatableTypeInfo(typeof(int), out var number));
        Assert.False(options.TryGetValidatableTypeInfo(typeof(Guid), out _));
        Assert.False(options.TryGetValidatableTypeInfo(typeof(Guid), out _));
        Assert.Same(text, textAgain);
        Assert.Equal([typeof(string), typeof(int), typeof(Guid)], first.Asked);
        Assert.Equal([typeof(int), typeof(Guid)], second.Asked);
        Assert.Same(first.Described.Single(), text);
        Assert.Same(second.Described.Single(), number);
    }

    /// <summary>Describes its types anew on every call, as the source-generated resolver does.</summary>
    private sealed class DescribingResolver(params Type[] known) : IValidatableInfoResolver
    {
        public List<Type> Asked { get; } = [];

        public List<IValidatableInfo> Described { get; } = [];

        public bool TryGetValidatableTypeInfo(Type type, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
        {
            Asked.Add(type);
            validatableInfo = known.Contains(type) ? new Description() : null;
            if (validatableInfo is not null)
            {
                Described.Add(validatableInfo);
            }

            return validatableInfo is not null;
        }

        public bool TryGetValidatableParameterInfo(ParameterInfo parameterInfo, [NotNullWhen(true)] out IValidatableInfo? validatableInfo)
        {
            validatableInfo = null;
            return false;
        }
    }

    private sealed class Description : IValidatableInfo
    {
        public Task ValidateAsync(object? value, ValidateContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
