using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MongoDB.Bson;
using MongoDB.Driver.Core.Configuration;
using MongoDB.Driver.Core.Events;

namespace Harmonia.ServiceDefaults.MongoDB;

/// <summary>
/// Records every MongoDB command as OpenTelemetry's <c>db.client.operation.duration</c>, tagged with the
/// collection and command, so the dashboard shows what each service asks MongoDB and how long it takes.
/// </summary>
public static class MongoCommandMetrics
{
    public const string MeterName = "Harmonia.MongoDB";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "db.client.operation.duration",
        unit: "s",
        description: "Duration of MongoDB commands by collection and command.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>Subscribes the meter to a client's command events.</summary>
    public static void Subscribe(ClusterBuilder cluster)
    {
        var started = new ConcurrentDictionary<int, TagList>();
        cluster.Subscribe<CommandStartedEvent>(command => started[command.RequestId] = TagsOf(command));
        cluster.Subscribe<CommandSucceededEvent>(command =>
        {
            if (started.TryRemove(command.RequestId, out var tags))
            {
                Duration.Record(command.Duration.TotalSeconds, tags);
            }
        });
        cluster.Subscribe<CommandFailedEvent>(command =>
        {
            if (started.TryRemove(command.RequestId, out var tags))
            {
                tags.Add("error.type", command.Failure.GetType().Name);
                Duration.Record(command.Duration.TotalSeconds, tags);
            }
        });
    }

    private static TagList TagsOf(CommandStartedEvent command) => new()
    {
        { "db.system.name", "mongodb" },
        { "db.namespace", command.DatabaseNamespace.DatabaseName },
        { "db.collection.name", CollectionOf(command) },
        { "db.operation.name", command.CommandName },
    };

    /// <summary>Collection commands name their collection first (<c>{ find: "users" }</c>); <c>getMore</c> names it in <c>collection</c>.</summary>
    private static string CollectionOf(CommandStartedEvent command) =>
        command.CommandName == "getMore" && command.Command.TryGetValue("collection", out var collection) && collection.IsString
            ? collection.AsString
            : command.Command.ElementCount > 0 && command.Command.GetElement(0).Value is BsonString name
                ? name.Value
                : "";
}
