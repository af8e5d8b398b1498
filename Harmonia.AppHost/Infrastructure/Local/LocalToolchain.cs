using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Harmonia.AppHost.Infrastructure.Local;

/// <summary>
/// Finds, and on first use fetches, the binaries local mode runs, so that <c>dotnet run</c> works on a fresh
/// Debian machine with only the .NET SDK: jongodb comes from npm and smtp4dev from NuGet (a dotnet tool) into
/// the user's cache (no system change); <c>redis-server</c>, and <c>npm</c> itself, come from Debian's packages
/// when the AppHost may install packages.
/// Anything it cannot provide ends the start with one error naming the install step.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class LocalToolchain(InfrastructureOptions options, ILogger logger)
{
    private const string JongodbPackage = "@jongodb/memory-server-bin-linux-x64-gnu";
    private const string JongodbVersion = "0.1.6";
    private const string Smtp4devPackage = "Rnwood.Smtp4dev";
    private const string Smtp4devVersion = "3.15.0";
    private const string RedisInstallStep = "sudo apt-get install -y redis-server";
    private const string RedisCliInstallStep = "sudo apt-get install -y redis-tools";
    private const string NpmInstallStep = "sudo apt-get install -y npm (the AppHost then fetches jongodb itself)";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    public string RedisServer()
    {
        if (options.RedisServerPath is { } configured)
        {
            return RequireFile(configured, nameof(InfrastructureOptions.RedisServerPath), RedisInstallStep);
        }

        return FromPathOrDebianPackage("redis-server", RedisInstallStep);
    }

    /// <summary>
    /// <c>redis-cli</c>, which forms a Redis Cluster: beside <c>redis-server</c> (Debian's redis-server depends on
    /// redis-tools, which ships it), else on PATH.
    /// </summary>
    public static string RedisCli(string redisServer)
    {
        var besideServer = Path.Combine(Path.GetDirectoryName(redisServer)!, "redis-cli");
        return File.Exists(besideServer) ? besideServer : FindOnPath("redis-cli") ?? throw Missing("redis-cli", RedisCliInstallStep);
    }

    public string Jongodb()
    {
        if (options.JongodbPath is { } configured)
        {
            return RequireFile(configured, nameof(InfrastructureOptions.JongodbPath), NpmInstallStep);
        }

        var installDirectory = Path.Combine(CacheDirectory(), $"jongodb-{JongodbVersion}");
        var binary = Path.Combine(installDirectory, "package", "bin", "jongodb");
        if (File.Exists(binary))
        {
            return binary;
        }

        FromPathOrDebianPackage("npm", NpmInstallStep);
        logger.FetchingTool("jongodb", $"npm pack {JongodbPackage}@{JongodbVersion}");
        var download = Directory.CreateTempSubdirectory("harmonia-jongodb-");
        try
        {
            if (!Run("npm", ["pack", $"{JongodbPackage}@{JongodbVersion}", "--pack-destination", download.FullName]))
            {
                throw Missing($"{JongodbPackage}@{JongodbVersion}", NpmInstallStep);
            }

            var staging = Path.Combine(download.FullName, "extracted");
            Directory.CreateDirectory(staging);
            using (var archive = new GZipStream(File.OpenRead(Directory.GetFiles(download.FullName, "*.tgz").Single()), CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(archive, staging, overwriteFiles: true);
            }

            File.SetUnixFileMode(Path.Combine(staging, "package", "bin", "jongodb"),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(Path.GetDirectoryName(installDirectory)!);
            // A rename is atomic, so a concurrent or interrupted start never sees half a binary.
            try
            {
                Directory.Move(staging, installDirectory);
            }
            catch (IOException) when (File.Exists(binary))
            {
            }

            return binary;
        }
        finally
        {
            download.Delete(recursive: true);
        }
    }

    /// <summary>The smtp4dev mail server, installed once as a dotnet tool into the user's cache.</summary>
    public string Smtp4dev()
    {
        var installDirectory = Path.Combine(CacheDirectory(), $"smtp4dev-{Smtp4devVersion}");
        var binary = Path.Combine(installDirectory, "smtp4dev");
        if (File.Exists(binary))
        {
            return binary;
        }

        logger.FetchingTool("smtp4dev", $"dotnet tool install {Smtp4devPackage} --version {Smtp4devVersion}");
        var staging = Directory.CreateTempSubdirectory("harmonia-smtp4dev-");
        try
        {
            if (!Run("dotnet", ["tool", "install", Smtp4devPackage, "--version", Smtp4devVersion, "--tool-path", staging.FullName]))
            {
                throw Missing($"{Smtp4devPackage} {Smtp4devVersion}", $"dotnet tool install {Smtp4devPackage} --version {Smtp4devVersion} --tool-path {installDirectory}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(installDirectory)!);
            // The tool's launcher is a relative link into its own folder, so the folder moves whole; the rename
            // is atomic, so a concurrent or interrupted start never sees half an install.
            try
            {
                Directory.Move(staging.FullName, installDirectory);
            }
            catch (IOException) when (File.Exists(binary))
            {
            }

            return binary;
        }
        finally
        {
            if (Directory.Exists(staging.FullName))
            {
                staging.Delete(recursive: true);
            }
        }
    }

    /// <summary>A command on PATH, from the Debian package of the same name where the AppHost may install one (root, apt).</summary>
    private string FromPathOrDebianPackage(string command, string installStep)
    {
        if (FindOnPath(command) is { } onPath)
        {
            return onPath;
        }

        if (!IsRoot() || FindOnPath("apt-get") is null)
        {
            throw Missing(command, installStep);
        }

        logger.FetchingTool(command, "apt-get");
        if (!Run("apt-get", ["install", "-y", "--no-install-recommends", command]))
        {
            // A fresh machine may have no package lists yet.
            Run("apt-get", ["update"]);
            Run("apt-get", ["install", "-y", "--no-install-recommends", command]);
        }

        return FindOnPath(command) ?? throw Missing(command, installStep);
    }

    private bool Run(string command, IReadOnlyList<string> arguments)
    {
        var startInfo = new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["DEBIAN_FRONTEND"] = "noninteractive";

        using var process = Process.Start(startInfo)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(InstallTimeout))
        {
            process.Kill(entireProcessTree: true);
            return false;
        }

        if (process.ExitCode != 0)
        {
            logger.ToolCommandFailed($"{command} {string.Join(' ', arguments)}", process.ExitCode, error.Result);
        }

        return process.ExitCode == 0;
    }

    private static string CacheDirectory() =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                ? cache
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "harmonia");

    private static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);

    private static bool IsRoot() => Environment.UserName == "root";

    private static string RequireFile(string path, string setting, string installStep) =>
        File.Exists(path)
            ? Path.GetFullPath(path)
            : throw Missing($"the binary Harmonia:Infrastructure:{setting} names ('{path}')", $"{installStep}, or correct the setting");

    private static DistributedApplicationException Missing(string what, string installStep) =>
        new($"Local infrastructure mode needs {what}, which is not available. Install it with: {installStep}. " +
            "Or run with a container runtime (Harmonia:Infrastructure:Mode=Containers) or existing servers (Mode=Existing).");
}
