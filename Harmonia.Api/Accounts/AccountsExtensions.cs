using Harmonia.Api.Http;
using Harmonia.Api.Users;
using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;

namespace Harmonia.Api.Accounts;

public static class AccountsExtensions
{
    /// <summary>Email verification, password recovery and the removal of accounts never verified; needs <c>AddAuth</c>.</summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccountsOptions>()
            .BindConfiguration(AccountsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddUserStore();
        services.AddMailOutbox();
        services.AddSingleton<OneTimeCodes>();
        services.AddSingleton<AccountMail>();
        services.AddSingleton<EmailVerification>();
        services.AddSingleton<PasswordReset>();

        // Removing an account removes what it made.
        services.AddLibraryStore();
        services.AddSongStore();
        services.AddJobQueue();
        services.AddHostedService<UnverifiedAccountRemoval>();

        services.AddApiJsonTypes(AccountsJsonContext.Default);
        return builder;
    }
}
