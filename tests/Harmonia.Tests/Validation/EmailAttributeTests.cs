using Harmonia.Api.Validation;

namespace Harmonia.Tests.Validation;

/// <summary>
/// Registration accepts an address in one spelling only, plain ASCII, so spellings a mail server delivers to one
/// mailbox cannot make several accounts or several per-address quotas.
/// </summary>
public sealed class EmailAttributeTests
{
    private readonly EmailAttribute _email = new();

    [Theory]
    [InlineData("a@example.com")]
    [InlineData("a.b+tag@sub.example.co")]
    [InlineData("First.Last@Example.COM")]
    [InlineData("o'brien_x-y@mail-1.example.org")]
    [InlineData("!#$%&'*+/=?^_`{|}~-@example.com")]
    [InlineData("user@xn--bcher-kva.example")]
    [InlineData("  padded@example.com ")]
    public void APlainAsciiAddressIsAccepted(string address) => Assert.True(_email.IsValid(address));

    [Theory]
    [InlineData("\"victim\"@example.com")]
    [InlineData("\"v\\ictim\"@example.com")]
    [InlineData("\"vi\\ct\\im\"@example.com")]
    [InlineData("victim@\uFF45xample.com")] // fullwidth e
    [InlineData("v\u00EDctim@example.com")] // í
    [InlineData("\u212Aate@example.com")] // Kelvin sign, lower-cased by ToLowerInvariant to an ASCII k
    [InlineData("victim@b\u00FCcher.example")]
    [InlineData("victim@[127.0.0.1]")]
    [InlineData("Victim <victim@example.com>")]
    [InlineData("victim(comment)@example.com")]
    [InlineData(".victim@example.com")]
    [InlineData("victim.@example.com")]
    [InlineData("vic..tim@example.com")]
    [InlineData("victim@localhost")]
    [InlineData("victim@example.com.")]
    [InlineData("victim@-example.com")]
    [InlineData("victim@example-.com")]
    [InlineData("victim@example..com")]
    [InlineData("victim@example.com\nx@example.com")]
    [InlineData("vic tim@example.com")]
    [InlineData("@example.com")]
    [InlineData("victim")]
    public void AnyOtherSpellingIsRefused(string address) => Assert.False(_email.IsValid(address));

    [Fact]
    public void TheLocalPartHasAtMost64AndTheAddressAtMost254Characters()
    {
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)) + ".com";

        Assert.True(_email.IsValid($"{new string('a', 64)}@example.com"));
        Assert.False(_email.IsValid($"{new string('a', 65)}@example.com"));
        Assert.True(_email.IsValid($"{new string('a', 254 - 1 - domain.Length)}@{domain}"));
        Assert.False(_email.IsValid($"{new string('a', 255 - 1 - domain.Length)}@{domain}"));
    }
}
