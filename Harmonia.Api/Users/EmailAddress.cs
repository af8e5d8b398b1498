namespace Harmonia.Api.Users;

public static class EmailAddress
{
    /// <summary>The form accounts are keyed by: addresses that differ only in case or surrounding spaces are one.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
