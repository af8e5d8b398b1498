namespace Harmonia.DataStores;

/// <summary>The connection names the AppHost gives Harmonia's data stores.</summary>
public static class ConnectionNames
{
    /// <summary>Redis: HybridCache L2, session validity, job dispatch, rate limits and pub/sub.</summary>
    public const string Redis = "redis";

    /// <summary>The <c>harmonia</c> MongoDB database: the source of truth.</summary>
    public const string Database = "harmonia";
}
