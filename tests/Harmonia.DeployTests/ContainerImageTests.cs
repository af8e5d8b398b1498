using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>
/// The api and worker images build with the .NET SDK's container support, the way azd builds them. This
/// machine cannot reach mcr.microsoft.com, so the image is built on a stand-in base image and written to an
/// archive instead of being pushed; what the real base image would contribute is stated in StandInRegistry.
/// </summary>
public sealed class ContainerImageTests(ContainerImageTests.SharedArtifacts artifacts) : IClassFixture<ContainerImageTests.SharedArtifacts>
{
    public static TheoryData<string> Services() => ["Harmonia.Api", "Harmonia.Worker"];

    private static readonly Dictionary<string, string> QuietDotNet = new()
    {
        ["DOTNET_NOLOGO"] = "true",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "true",
        ["MSBUILDDISABLENODEREUSE"] = "1",
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ImageIsBasedOnTheAspNetCoreRuntimeAndStartsTheService(string project)
    {
        var result = await Tool.RunAsync(
            "dotnet",
            [
                "msbuild", Repository.Project(project), "-t:ComputeContainerConfig", "-p:RuntimeIdentifier=linux-x64",
                "-p:Configuration=Release", "-nodeReuse:false",
                "-getProperty:ContainerBaseImage", "-getProperty:ContainerWorkingDirectory", "-getItem:ContainerAppCommand",
            ],
            QuietDotNet,
            TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var computed = JsonNode.Parse(result.Output)!;
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", (string)computed["Properties"]!["ContainerBaseImage"]!);
        Assert.Equal("/app/", (string)computed["Properties"]!["ContainerWorkingDirectory"]!);
        Assert.Equal(["dotnet", $"/app/{project}.dll"], computed["Items"]!["ContainerAppCommand"]!.AsArray().Select(item => (string)item!["Identity"]!));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ImagePublishesListeningOnThePortAzdRoutesTo(string project)
    {
        using var registry = StandInRegistry.Start();
        var work = Directory.CreateTempSubdirectory("harmonia-image-");
        try
        {
            var archive = Path.Combine(work.FullName, "image.tar.gz");

            // azd's command for a project resource, except that the image goes to an archive rather than to the
            // registry, and the base image comes from the stand-in. azd too builds outside the source tree's bin/
            // and obj/. Both services share one artifacts folder, so the second publish finds the libraries they
            // share already built (each built the whole tree, the slowest tests of the suite) and builds only its own.
            var result = await Tool.RunAsync(
                "dotnet",
                [
                    "publish", Repository.Project(project), "-r", "linux-x64", "-c", "Release", "/t:PublishContainer",
                    $"-p:ContainerRepository=harmonia/{project.ToLowerInvariant()}", "-p:ContainerImageTag=deploy-test",
                    $"-p:ContainerBaseImage={registry.BaseImage}", $"-p:ContainerArchiveOutputPath={archive}",
                    "--artifacts-path", artifacts.Path, "--disable-build-servers", "-nodeReuse:false",
                    "--getProperty:GeneratedContainerConfiguration",
                ],
                new Dictionary<string, string>(QuietDotNet) { ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry.Host },
                TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, result.ToString());
            var config = JsonNode.Parse(result.Output)!["config"]!;

            // azd reads the first exposed port into targetPortOrDefault: the ingress target, the probes' port
            // and HTTP_PORTS in the container app templates.
            Assert.Equal(["8080/tcp"], config["ExposedPorts"]!.AsObject().Select(port => port.Key));
            Assert.Equal("1654", (string)config["User"]!);
            Assert.Equal(["dotnet", $"/app/{project}.dll"], config["Entrypoint"]!.AsArray().Select(part => (string)part!));
            Assert.Contains($"app/{project}.dll", FilesInImage(archive));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The artifacts folder both services' publishes build in, removed after the last of them.</summary>
    public sealed class SharedArtifacts : IDisposable
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("harmonia-image-artifacts-");

        public string Path => _folder.FullName;

        public void Dispose() => _folder.Delete(recursive: true);
    }

    /// <summary>Every file path in every layer of an image archive.</summary>
    private static List<string> FilesInImage(string archive)
    {
        var files = new List<string>();
        using var outer = new TarReader(Decompressed(File.OpenRead(archive)));
        while (outer.GetNextEntry() is { DataStream: { } data })
        {
            var content = new MemoryStream();
            data.CopyTo(content);
            content.Position = 0;
            if (IsGzip(content))
            {
                using var layer = new TarReader(new GZipStream(content, CompressionMode.Decompress));
                while (layer.GetNextEntry() is { } file)
                {
                    files.Add(file.Name.TrimStart('.', '/'));
                }
            }
        }

        return files;
    }

    private static Stream Decompressed(Stream stream)
    {
        var buffered = new MemoryStream();
        using (stream)
        {
            stream.CopyTo(buffered);
        }

        buffered.Position = 0;
        return IsGzip(buffered) ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;
    }

    private static bool IsGzip(MemoryStream stream) =>
        stream.Length > 2 && stream.GetBuffer()[0] == 0x1F && stream.GetBuffer()[1] == 0x8B;
}
