using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Harmonia.Api.Validation;
using Microsoft.Extensions.Validation;

namespace Harmonia.Tests.Validation;

#pragma warning disable ASP0029 // The resolver API under test is experimental in .NET 10.

/// <summary>
/// The validation resolvers are asked about a type once; their answers, and their order, are kept. A parameter that
/// can never fail validation is not handed to the validation filter.
/// </summary>
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

    [Theory]
    [InlineData("service", false)] // a sealed class with no validatable members: a service the handler takes
    [InlineData("id", false)] // a struct
    [InlineData("optionalId", false)]
    [InlineData("bounded", true)] // a validation attribute of its own
    [InlineData("request", true)] // a sealed type with validatable members
    [InlineData("open", true)] // a value may be of a derived type that has some
    [InlineData("items", true)] // each item is validated
    public void OnlyAParameterThatCouldFailIsValidated(string parameter, bool validated)
    {
        // Describes every parameter it is asked about, as .NET 10's resolver does for any class type.
        var options = new ValidationOptions();
        options.Resolvers.Add(new DescribingResolver(typeof(Request)) { DescribesEveryParameter = true });
        RememberingValidatableInfoResolver.Wrap(options);
        var parameterInfo = typeof(RememberingValidatableInfoResolverTests).GetMethod(nameof(Handler), BindingFlags.NonPublic | BindingFlags.Static)!
            .GetParameters().Single(candidate => candidate.Name == parameter);

        Assert.Equal(validated, options.TryGetValidatableParameterInfo(parameterInfo, out _));
    }

    private static void Handler(Service service, Guid id, Guid? optionalId, [Range(1, 10)] int bounded, Request request, OpenType open, List<Request> items)
    {
    }

    private sealed class Service;

    private sealed class Request;

    private abstract class OpenType;

    /// <summary>Describes its types anew on every call, as the source-generated resolver does.</summary>
    private sealed class DescribingResolver(params Type[] known) : IValidatableInfoResolver
    {
        public bool DescribesEveryParameter { get; init; }

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
            validatableInfo = DescribesEveryParameter ? new Description() : null;
            return validatableInfo is not null;
        }
    }

    private sealed class Description : IValidatableInfo
    {
        public Task ValidateAsync(object? value, ValidateContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
