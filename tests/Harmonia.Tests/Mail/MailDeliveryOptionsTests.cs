using System.ComponentModel.DataAnnotations;
using Harmonia.Api.Accounts;
using Harmonia.Worker.Mail;

namespace Harmonia.Tests.Mail;

public sealed class MailDeliveryOptionsTests
{
    [Fact]
    public void DefaultsAreValid() => Assert.Empty(Validate(new MailDeliveryOptions()));

    [Theory]
    [InlineData("")]
    [InlineData("Harmonia <no-reply@")]
    public void FromMustBeAMailbox(string from) =>
        Assert.Contains(Validate(new MailDeliveryOptions { From = from }), error => error.MemberNames.Contains(nameof(MailDeliveryOptions.From)));

    [Fact]
    public void ALeaseShorterThanASendIsInvalidBecauseTheMessageWouldGoTwice()
    {
        var errors = Validate(new MailDeliveryOptions { LeaseDuration = TimeSpan.FromSeconds(10), SendTimeout = TimeSpan.FromSeconds(30) });

        Assert.Contains(errors, error => error.MemberNames.Contains(nameof(MailDeliveryOptions.LeaseDuration)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/relative")]
    [InlineData("ftp://harmonia.example")]
    public void AccountLinksNeedAnAbsoluteHttpUrl(string publicUrl) =>
        Assert.Contains(Validate(new AccountsOptions { PublicUrl = publicUrl }), error => error.MemberNames.Contains(nameof(AccountsOptions.PublicUrl)));

    [Fact]
    public void AccountDefaultsAreValidWithAPublicUrl() =>
        Assert.Empty(Validate(new AccountsOptions { PublicUrl = "https://harmonia.example" }));

    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
