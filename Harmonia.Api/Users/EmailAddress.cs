namespace Harmonia.Api.Users;

public static class EmailAddress
{
    /// <summary>
    /// The form accounts are keyed by: addresses that differ only in case or surrounding spaces are one. Registration
    /// takes plain ASCII addresses only (<see cref="Validation.EmailAttribute"/>), so no other spelling of a mailbox
    /// reaches an account; a lookup with one finds nothing.
    /// </summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
