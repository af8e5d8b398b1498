using Harmonia.Api.Auth;

namespace Harmonia.Tests.Auth;

/// <summary>The password may not contain the email's local part, however the address was typed.</summary>
public sealed class PasswordPolicyTests
{
    [Theory]
    [InlineData("dorothea@example.com")]
    [InlineData("  dorothea@example.com")]
    [InlineData("\tDorothea@example.com ")]
    public void APasswordBuiltFromTheEmailIsRefused(string email)
    {
        var results = PasswordPolicy.Check("dorothea-1234567", email, "Password");

        Assert.Equal("Do not build the password from your email address.", Assert.Single(results).ErrorMessage);
    }

    [Fact]
    public void APasswordUnrelatedToTheEmailPasses() =>
        Assert.Empty(PasswordPolicy.Check("correct horse battery", "  dorothea@example.com", "Password"));
}
