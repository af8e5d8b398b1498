namespace Harmonia.AppHost.Infrastructure.MongoDB;

/// <summary>The MongoDB image the official integration pins in Aspire 13.4 and later.</summary>
internal static class MongoDBContainerImageTags
{
    public const string Registry = "docker.io";

    public const string Image = "library/mongo";

    public const string Tag = "8.3";
}
