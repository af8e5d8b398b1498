using MongoDB.Bson.Serialization.Conventions;

namespace Harmonia.DataStores;

/// <summary>How Harmonia's documents look in MongoDB: camelCase fields, tolerant of fields a newer version added.</summary>
public static class MongoConventions
{
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }

        ConventionRegistry.Register(
            "Harmonia",
            new ConventionPack { new CamelCaseElementNameConvention(), new IgnoreExtraElementsConvention(true) },
            type => type.Namespace?.StartsWith("Harmonia", StringComparison.Ordinal) == true);
    }
}
