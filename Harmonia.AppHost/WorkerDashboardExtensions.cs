using System.Text.Json;

namespace Harmonia.AppHost;

/// <summary>
/// The queue view on the dashboard's worker resource: list, retry, cancel and remove jobs, and drain the delayed set.
/// The commands sit on the worker because that is where an operator looks for the queue, but they call the API's
/// admin endpoints (<c>/admin/jobs</c>), which authenticate them with this run's command key and log who did what.
/// Like the cache commands, they exist in run mode only.
/// </summary>
internal static class WorkerDashboardExtensions
{
    private const string JobIdArgument = "jobId";
    private const string PlaceArgument = "place";
    private const string PageArgument = "page";

    public static IResourceBuilder<ProjectResource> WithQueueCommands(this IResourceBuilder<ProjectResource> worker, IResourceBuilder<ProjectResource> api)
    {
        if (!worker.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return worker;
        }

        var commandKey = api.CommandKey();
        var endpoint = api.GetEndpoint("http");
        // A command on one job takes its id; drain takes nothing.
        HttpCommandOptions Options(HttpMethod method, string description, string icon, Func<InteractionInputCollection, string> path, string? confirmation = null, bool onOneJob = true) => new()
        {
            Method = method,
            Description = description,
            IconName = icon,
            ConfirmationMessage = confirmation,
            Arguments = onOneJob ? [JobId()] : [],
            PrepareRequest = async request =>
            {
                request.Request.RequestUri = new Uri(request.Request.RequestUri!, path(request.Arguments));
                await ApiDashboardExtensions.AddKeyAsync(request, commandKey);
            },
            GetCommandResult = OutcomeAsync,
        };

        return worker
            .WithHttpCommand("/admin/jobs", "List jobs", () => endpoint, commandName: "list-jobs", commandOptions: new()
            {
                Method = HttpMethod.Get,
                Description = "One page of the waiting, delayed, running or failed jobs, with owner, attempts and last error.",
                IconName = "List",
                    Arguments =
                [
                    new InteractionInput { Name = PlaceArgument, Label = "Place", InputType = InputType.Choice, Required = true, Value = "failed",
                        Options = [new("waiting", "Waiting"), new("delayed", "Delayed"), new("running", "Running"), new("failed", "Failed")] },
                    new InteractionInput { Name = PageArgument, Label = "Page", InputType = InputType.Number, Value = "1" },
                ],
                PrepareRequest = async request =>
                {
                    var place = Uri.EscapeDataString(request.Arguments[PlaceArgument].Value ?? "failed");
                    var page = int.TryParse(request.Arguments[PageArgument].Value, out var number) && number > 0 ? number : 1;
                    request.Request.RequestUri = new Uri(request.Request.RequestUri!, $"/admin/jobs?place={place}&page={page}");
                    await ApiDashboardExtensions.AddKeyAsync(request, commandKey);
                },
                GetCommandResult = ListResultAsync,
            })
            .WithHttpCommand("/admin/jobs", "Retry job", () => endpoint, commandName: "retry-job", commandOptions: Options(
                HttpMethod.Post, "Put a failed job back in the queue with a fresh set of attempts.", "ArrowClockwise", arguments => $"/admin/jobs/{JobIdOf(arguments)}/retry"))
            .WithHttpCommand("/admin/jobs", "Cancel job", () => endpoint, commandName: "cancel-job", commandOptions: Options(
                HttpMethod.Post, "Cancel a pending or running job, as its owner would.", "DismissCircle", arguments => $"/admin/jobs/{JobIdOf(arguments)}/cancel"))
            .WithHttpCommand("/admin/jobs", "Remove job", () => endpoint, commandName: "remove-job", commandOptions: Options(
                HttpMethod.Delete, "Delete a finished job from MongoDB and Redis.", "Delete", arguments => $"/admin/jobs/{JobIdOf(arguments)}", "Delete this job for good?"))
            .WithHttpCommand("/admin/jobs", "Drain delayed jobs", () => endpoint, commandName: "drain-delayed", commandOptions: Options(
                HttpMethod.Post, "End every retry backoff and dispatch the delayed jobs now.", "FastForward", _ => "/admin/jobs/delayed/drain", "Start every job waiting out a retry backoff now?", onOneJob: false));
    }

    private static InteractionInput JobId() => new() { Name = JobIdArgument, Label = "Job id", InputType = InputType.Text, Required = true, MaxLength = 24 };

    private static string JobIdOf(InteractionInputCollection arguments) => Uri.EscapeDataString(arguments[JobIdArgument].Value?.Trim() ?? "");

    /// <summary>The API's sentence (<c>outcome</c>) as the command's message, success or not.</summary>
    private static async Task<ExecuteCommandResult> OutcomeAsync(HttpCommandResultContext context)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken);
        var outcome = TryRead(body, "outcome") ?? $"{(int)context.Response.StatusCode} {context.Response.ReasonPhrase}";
        return context.Response.IsSuccessStatusCode ? CommandResults.Success(outcome) : CommandResults.Failure(outcome);
    }

    /// <summary>The page as JSON, shown at once, with a one-line summary.</summary>
    private static async Task<ExecuteCommandResult> ListResultAsync(HttpCommandResultContext context)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken);
        if (!context.Response.IsSuccessStatusCode)
        {
            return CommandResults.Failure($"{(int)context.Response.StatusCode} {context.Response.ReasonPhrase}", body, CommandResultFormat.Json);
        }

        using var page = JsonDocument.Parse(body);
        var count = page.RootElement.GetProperty("items").GetArrayLength();
        var more = page.RootElement.GetProperty("hasMore").GetBoolean() ? ", more on the next page" : "";
        return CommandResults.Success($"{count} {page.RootElement.GetProperty("place").GetString()} jobs{more}.", body, CommandResultFormat.Json, displayImmediately: true);
    }

    private static string? TryRead(string body, string property)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty(property, out var value) ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
