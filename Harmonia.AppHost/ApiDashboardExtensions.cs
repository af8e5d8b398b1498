namespace Harmonia.AppHost;

/// <summary>What the dashboard offers on the API resource: cache commands and a link to the API reference.</summary>
internal static class ApiDashboardExtensions
{
    private const string CommandKeyName = "api-command-key";

    /// <summary>
    /// "Clear cache" and "Warm cache" call the API's admin endpoints with a key generated for this run. Commands
    /// exist only in run mode (the Azure Container Apps dashboard has none), so the key is never published.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCacheCommands(this IResourceBuilder<ProjectResource> api)
    {
        if (!api.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return api;
        }

        var commandKey = api.CommandKey();
        return api
            .WithHttpCommand("/admin/cache/clear", "Clear cache", commandName: "clear-cache", commandOptions: new()
            {
                Method = HttpMethod.Post,
                Description = "Drop every cached entry on every replica (MongoDB is untouched).",
                ConfirmationMessage = "Clear the cache on every replica?",
                IconName = "Delete",
                PrepareRequest = request => AddKeyAsync(request, commandKey),
            })
            .WithHttpCommand("/admin/cache/warm", "Warm cache", commandName: "warm-cache", commandOptions: new()
            {
                Method = HttpMethod.Post,
                Description = "Preload the profiles and library pages of the most recently active users.",
                IconName = "Fire",
                PrepareRequest = request => AddKeyAsync(request, commandKey),
            });
    }

    public static IResourceBuilder<ProjectResource> WithApiReference(this IResourceBuilder<ProjectResource> api) =>
        api.WithUrlForEndpoint("http", endpoint => new ResourceUrlAnnotation { Url = "/scalar", DisplayText = "API reference", Endpoint = endpoint });

    /// <summary>
    /// The key this run's dashboard commands present to the API's admin endpoints (whichever resource they sit on),
    /// generated once and given to the API.
    /// </summary>
    public static ParameterResource CommandKey(this IResourceBuilder<ProjectResource> api)
    {
        if (api.Resource.Annotations.OfType<CommandKeyAnnotation>().FirstOrDefault() is { } existing)
        {
            return existing.Key;
        }

        var commandKey = ParameterResourceBuilderExtensions.CreateGeneratedParameter(
            api.ApplicationBuilder, CommandKeyName, secret: true, new GenerateParameterDefault { MinLength = 32, Special = false });
        api.WithEnvironment(Api.Admin.CommandKey.Setting, commandKey).WithAnnotation(new CommandKeyAnnotation(commandKey));
        return commandKey;
    }

    public static async Task AddKeyAsync(HttpCommandRequestContext request, ParameterResource commandKey) =>
        request.Request.Headers.Add(Api.Admin.CommandKey.Header, await commandKey.GetValueAsync(request.CancellationToken));
}

/// <summary>Remembers the API's command key on the API resource, so every set of commands uses the one key.</summary>
internal sealed record CommandKeyAnnotation(ParameterResource Key) : IResourceAnnotation;
