using System.Reflection;

namespace Harmonia.DeployTests;

/// <summary>Where the deployment files and tools are, as the build recorded it.</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    /// <summary>The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package in the NuGet cache.</summary>
    public static string Bicep { get; } = Metadata("BicepPath");

    public static string Infra { get; } = Path.Combine(Root, "infra");

    /// <summary>Where azd looks for a container app template for each AppHost resource.</summary>
    public static string ContainerAppTemplates { get; } = Path.Combine(Root, "Harmonia.AppHost", "infra");

    public static string Project(string name) => Path.Combine(Root, name, $"{name}.csproj");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The build recorded no {key}.");
}
