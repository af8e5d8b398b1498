using Harmonia.DataStores;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmonia.Api.Users;

public static class UserStoreExtensions
{
    /// <summary>The <c>users</c> collection, for every feature that reads or writes accounts (Auth, Profiles).</summary>
    public static IServiceCollection AddUserStore(this IServiceCollection services)
    {
        services.TryAddSingleton<UserStore>();
        return services.AddMongoIndexes<UserStore.Indexes>();
    }
}
