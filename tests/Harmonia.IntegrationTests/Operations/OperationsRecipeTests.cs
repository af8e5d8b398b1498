using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Harmonia.Api.Accounts;
using Harmonia.Api.Auth;
using Harmonia.Api.Library;
using Harmonia.Api.Profiles;
using Harmonia.Api.Users;
using Harmonia.IntegrationTests.Caching;
using Harmonia.Jobs;
using Harmonia.Mail;
using Harmonia.Music;
using Harmonia.Notifications;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using StackExchange.Redis;
using static Harmonia.IntegrationTests.Jobs.JobsClient;
using static Harmonia.IntegrationTests.TestUsers;

namespace Harmonia.IntegrationTests.Operations;

/// <summary>
/// The recipes of docs/operations.md, run against the AppHost's Redis and MongoDB stand-in after building the state
/// they look at. A key, collection or field the docs name that the code no longer builds fails here.
/// </summary>
public sealed partial class OperationsRecipeTests(AppHostFixture fixture)
{
    private static readonly string Page = File.ReadAllText(Path.Combine(
        typeof(OperationsRecipeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "docs",
        "operations.md"));

    private static readonly string Queue = new JobQueueOptions().Queue;

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryRedisRecipeRunsAndNamesOnlyKeysTheCodeBuilds()
    {
        var state = await BuildStateAsync();
        var codeKeys = CodeKeys(state);
        var recipes = Recipes("sh").Where(line => line.StartsWith("redis-cli ", StringComparison.Ordinal)).ToList();
        Assert.True(recipes.Count >= 30, $"{recipes.Count} redis-cli recipes found");

        var failures = new List<string>();
        foreach (var recipe in recipes.Select(line => Substitute(line, state)))
        {
            var (exitCode, output) = await RunAsync(recipe);
            if (exitCode != 0 || output.Split('\n').Any(IsErrorReply))
            {
                failures.Add($"{recipe}: exit {exitCode}: {output.Trim()}");
            }

            foreach (var key in QuotedArgument().Matches(recipe).Select(match => match.Groups["value"].Value))
            {
                if (!await IsBuiltByTheCodeAsync(key, codeKeys))
                {
                    failures.Add($"{recipe}: no key the code builds is '{key}'");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task EveryMongoRecipeNamesCollectionsAndFieldsTheCodeMapsAndRunsThroughTheDriver()
    {
        var state = await BuildStateAsync(withJob: false);
        var recipes = Recipes("js").Where(line => line.StartsWith("db.", StringComparison.Ordinal)).ToList();
        Assert.True(recipes.Count >= 8, $"{recipes.Count} mongosh recipes found");

        var failures = new List<string>();
        foreach (var recipe in recipes.Select(line => Substitute(line, state)))
        {
            try
            {
                failures.AddRange(await CheckMongoRecipeAsync(recipe));
            }
            catch (Exception exception) when (exception is FormatException or MongoException or InvalidOperationException)
            {
                failures.Add($"{recipe}: {exception.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>What the recipes look at: a signed-in user with cached reads, a library change, a code, counts and a finished job.</summary>
    private async Task<State> BuildStateAsync(bool withJob = true)
    {
        using var api = fixture.CreateApiClient();
        var user = await RegisterAndLoginAsync(api);
        Assert.Equal(System.Net.HttpStatusCode.OK, await GetStatusAsync(api, "/users/me", user.Tokens.AccessToken));
        Assert.Equal(System.Net.HttpStatusCode.OK, await GetStatusAsync(api, $"/users/{user.Id}", user.Tokens.AccessToken));
        var library = new LibraryClient(api, user.Tokens.AccessToken);
        await library.AddPlaylistAsync("On call");
        await library.GetPageAsync();
        var jobId = ObjectId.GenerateNewId().ToString();
        if (withJob)
        {
            var job = await SubmitSongAsync(api, user.Tokens.AccessToken, "a song for the on-call page", durationSeconds: 1);
            await Eventually.HoldsAsync(async () => (await GetJobAsync(api, user.Tokens.AccessToken, job.Id)).Status == "completed", FinishBound, "the job completes");
            jobId = job.Id;
        }

        return new State(user.Id, SessionOf(user.Tokens.AccessToken), jobId);
    }

    /// <summary>Every key the recipes may name, built by the code's own key classes for this state.</summary>
    private static HashSet<string> CodeKeys(State state) =>
    [
        SessionKeys.Validity(state.UserId, state.SessionId),
        SessionKeys.Revocations!,
        ProfileKeys.Profile(state.UserId),
        LibraryKeys.Page(state.UserId, new LibraryQuery(null, null, null).NormalizedFilter, 1),
        TempKeys.Code(CodePurpose.VerifyEmail, state.UserId),
        TempKeys.Code(CodePurpose.ResetPassword, state.UserId),
        JobKeys.Status(state.JobId)!,
        JobKeys.Lease(state.JobId)!,
        JobKeys.CancelFlag(state.JobId)!,
        JobKeys.Stream(Queue)!,
        JobKeys.Waiting(Queue)!,
        JobKeys.WaitingOf(Queue, state.UserId)!,
        JobKeys.Turns(Queue)!,
        JobKeys.RunningOf(Queue, state.UserId)!,
        JobKeys.Delayed(Queue)!,
        JobKeys.RunTimes(Queue)!,
        JobKeys.ReconcilerLock(Queue)!,
        NotificationKeys.Stream(state.UserId)!,
    ];

    /// <summary>A key the code builds for this state, or one in Redis (only the code writes there); a pattern must match one.</summary>
    private async Task<bool> IsBuiltByTheCodeAsync(string key, HashSet<string> codeKeys)
    {
        if (!key.Contains('*', StringComparison.Ordinal))
        {
            return codeKeys.Contains(key) || await fixture.Redis.GetDatabase().KeyExistsAsync(key);
        }

        var pattern = new Regex($"^{Regex.Escape(key).Replace(@"\*", ".*", StringComparison.Ordinal)}$");
        if (codeKeys.Any(pattern.IsMatch))
        {
            return true;
        }

        foreach (var server in fixture.Redis.GetServers().Where(server => !server.IsReplica))
        {
            await foreach (var _ in server.KeysAsync(pattern: key, pageSize: 1000))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string recipe)
    {
        var connection = ConfigurationOptions.Parse(await fixture.ConnectionStringAsync("redis"));
        var endpoint = (System.Net.DnsEndPoint)connection.EndPoints[0];
        var start = new ProcessStartInfo("bash", ["-c", $"set -o pipefail; {recipe}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["REDIS_URL"] = $"redis://default:{Uri.EscapeDataString(connection.Password ?? "")}@{endpoint.Host}:{endpoint.Port}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken);
        var error = process.StandardError.ReadToEndAsync(CancellationToken);
        await process.WaitForExitAsync(CancellationToken);
        return (process.ExitCode, await output + await error);
    }

    private static bool IsErrorReply(string line) =>
        line.StartsWith("ERR", StringComparison.Ordinal) || line.StartsWith("WRONGTYPE", StringComparison.Ordinal)
        || line.StartsWith("NOAUTH", StringComparison.Ordinal) || line.StartsWith("(error)", StringComparison.Ordinal)
        || line.StartsWith("Could not connect", StringComparison.Ordinal);

    /// <summary>
    /// Checks one <c>db.COLLECTION.METHOD(ARGUMENT)[.sort(SORT)][.limit(N)]</c> recipe: the collection is one the code
    /// names, every field is in its document class map, and the query runs.
    /// </summary>
    private async Task<IEnumerable<string>> CheckMongoRecipeAsync(string recipe)
    {
        var call = MongoCall().Match(recipe);
        if (!call.Success)
        {
            return [$"{recipe}: not a db.COLLECTION.METHOD(...) call"];
        }

        var collection = call.Groups["collection"].Value;
        if (!Collections.TryGetValue(collection, out var documentType))
        {
            return [$"{recipe}: the code names no collection '{collection}'"];
        }

        var fields = BsonClassMap.LookupClassMap(documentType).AllMemberMaps.Select(member => member.ElementName).ToHashSet(StringComparer.Ordinal);
        var argument = Wrap(call.Groups["argument"].Value);
        var sort = call.Groups["sort"].Success ? BsonDocument.Parse(call.Groups["sort"].Value) : new BsonDocument();
        var limit = call.Groups["limit"].Success ? int.Parse(call.Groups["limit"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var unknown = FieldsIn(argument["a"]).Concat(FieldsIn(sort)).Where(field => !fields.Contains(field.Split('.')[0])).Distinct().ToList();

        var documents = fixture.Database.GetCollection<BsonDocument>(collection);
        switch (call.Groups["method"].Value)
        {
            case "find":
                await documents.Find(argument["a"].AsBsonDocument).Sort(sort).Limit(limit == 0 ? null : limit).ToListAsync(CancellationToken);
                break;
            case "countDocuments":
                await documents.CountDocumentsAsync(argument["a"].AsBsonDocument, cancellationToken: CancellationToken);
                break;
            case "aggregate":
                await documents.Aggregate(PipelineDefinition<BsonDocument, BsonDocument>.Create(argument["a"].AsBsonArray.Select(stage => stage.AsBsonDocument)))
                    .ToListAsync(CancellationToken);
                break;
            default:
                return [$"{recipe}: this check runs find, countDocuments and aggregate only"];
        }

        return unknown.Select(field => $"{recipe}: {documentType.Name} has no field '{field}'");
    }

    /// <summary>The argument as the value of one field, so a filter and a pipeline parse alike.</summary>
    private static BsonDocument Wrap(string argument) => BsonDocument.Parse($"{{ a: {argument} }}");

    /// <summary>
    /// The fields a query names: keys of a filter or sort that are not operators, and <c>"$field"</c> references in
    /// expressions. A <c>$group</c> stage's keys are output names, not fields, so only its values are read.
    /// </summary>
    private static IEnumerable<string> FieldsIn(BsonValue value) => value switch
    {
        BsonDocument document => document.Elements.SelectMany(element => element.Name.StartsWith('$')
            ? (element.Name == "$group" ? element.Value.AsBsonDocument.Values.SelectMany(FieldsIn) : FieldsIn(element.Value))
            : FieldsIn(element.Value).Prepend(element.Name)),
        BsonArray array => array.SelectMany(FieldsIn),
        BsonString { Value: ['$', not '$', ..] reference } => [reference[1..]],
        _ => [],
    };

    /// <summary>The collections the code names, with the document type each holds.</summary>
    private static readonly Dictionary<string, Type> Collections = new(StringComparer.Ordinal)
    {
        [JobStore.Name] = typeof(JobDocument),
        [UserStore.Name] = typeof(UserDocument),
        [SessionStore.SessionsName] = typeof(SessionDocument),
        [SessionStore.RefreshTokensName] = typeof(RefreshTokenDocument),
        [MailOutbox.Name] = typeof(MailMessageDocument),
    };

    private static IEnumerable<string> Recipes(string language) =>
        FencedBlock().Matches(Page)
            .Where(block => block.Groups["language"].Value == language)
            .SelectMany(block => block.Groups["body"].Value.Split('\n'))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0);

    private static string Substitute(string recipe, State state) => recipe
        .Replace("SESSIONID", state.SessionId, StringComparison.Ordinal)
        .Replace("USERID", state.UserId, StringComparison.Ordinal)
        .Replace("JOBID", state.JobId, StringComparison.Ordinal)
        .Replace("QUEUE", Queue, StringComparison.Ordinal);

    private static string SessionOf(string accessToken)
    {
        using var claims = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(accessToken.Split('.')[1]));
        return claims.RootElement.GetProperty(AccessTokens.SessionIdClaim).GetString()!;
    }

    private sealed record State(string UserId, string SessionId, string JobId);

    [GeneratedRegex(@"^```(?<language>\w+)\n(?<body>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex("'(?<value>[^']*)'")]
    private static partial Regex QuotedArgument();

    [GeneratedRegex(@"^db\.(?<collection>\w+)\.(?<method>\w+)\((?<argument>.*?)\)(\.sort\((?<sort>\{.*?\})\))?(\.limit\((?<limit>\d+)\))?$")]
    private static partial Regex MongoCall();
}
