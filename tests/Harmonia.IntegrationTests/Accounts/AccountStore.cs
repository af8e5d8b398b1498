using Harmonia.Api.Users;

namespace Harmonia.IntegrationTests.Accounts;

/// <summary>Reads accounts as the API stored them, to check what no endpoint shows (verification, removal).</summary>
internal static class AccountStore
{
    public static async Task<UserDocument?> FindAsync(AppHostFixture fixture, string email) =>
        await new UserStore(fixture.Database).FindByEmailAsync(email, TestContext.Current.CancellationToken);
}
