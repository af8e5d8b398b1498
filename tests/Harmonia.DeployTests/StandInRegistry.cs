using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Harmonia.DeployTests;

/// <summary>
/// A container registry on loopback serving one small base image, so the SDK can build an image without
/// reaching mcr.microsoft.com. The image's configuration carries what the SDK reads from the real
/// <c>mcr.microsoft.com/dotnet/aspnet:10.0</c> (its HTTP port and non-root user id); its one layer is a
/// placeholder, not a .NET runtime, so the images built on it are checked, never run.
/// </summary>
internal sealed class StandInRegistry : IDisposable
{
    private const string BaseRepository = "dotnet/aspnet";
    private const string Tag = "10.0";

    /// <summary>The aspnet image's environment that the SDK turns into the image's port and user.</summary>
    private static readonly string[] BaseEnvironment = ["APP_UID=1654", "ASPNETCORE_HTTP_PORTS=8080", "DOTNET_RUNNING_IN_CONTAINER=true"];

    private const string IndexType = "application/vnd.oci.image.index.v1+json";
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    private const string ConfigType = "application/vnd.oci.image.config.v1+json";
    private const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    private readonly HttpListener _listener;
    private readonly Dictionary<string, (string MediaType, byte[] Content)> _content;
    private readonly Task _serving;

    private StandInRegistry(HttpListener listener, int port, Dictionary<string, (string, byte[])> content)
    {
        _listener = listener;
        _content = content;
        Host = $"localhost:{port}";
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Registry host and port, e.g. <c>localhost:41234</c>.</summary>
    public string Host { get; }

    public string BaseImage => $"{Host}/{BaseRepository}:{Tag}";

    public static StandInRegistry Start()
    {
        var (layer, diffId) = PlaceholderLayer();
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Env"] = new JsonArray([.. BaseEnvironment.Select(e => JsonValue.Create(e))]), ["WorkingDir"] = "/" },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
        }.ToJsonString());
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = Descriptor(ConfigType, config),
            ["layers"] = new JsonArray(Descriptor(LayerType, layer)),
        }.ToJsonString());
        var descriptor = Descriptor(ManifestType, manifest);
        descriptor["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" };
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = IndexType,
            ["manifests"] = new JsonArray(descriptor),
        }.ToJsonString());

        var content = new Dictionary<string, (string, byte[])>
        {
            [$"manifests/{Tag}"] = (IndexType, index),
            [$"manifests/{Digest(index)}"] = (IndexType, index),
            [$"manifests/{Digest(manifest)}"] = (ManifestType, manifest),
            [$"blobs/{Digest(config)}"] = (ConfigType, config),
            [$"blobs/{Digest(layer)}"] = (LayerType, layer),
        };

        // A free port can be taken by someone else before we bind it; a fresh one is tried then.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener { Prefixes = { $"http://localhost:{port}/" } };
            try
            {
                listener.Start();
                return new StandInRegistry(listener, port, content);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.GetAwaiter().GetResult();
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var response = context.Response;
            var path = context.Request.Url!.AbsolutePath;
            var prefix = $"/v2/{BaseRepository}/";
            if (path == "/v2/")
            {
                response.StatusCode = 200;
            }
            else if (path.StartsWith(prefix, StringComparison.Ordinal) && _content.TryGetValue(path[prefix.Length..], out var found))
            {
                response.ContentType = found.MediaType;
                response.ContentLength64 = found.Content.Length;
                response.Headers["Docker-Content-Digest"] = Digest(found.Content);
                if (context.Request.HttpMethod != "HEAD")
                {
                    await response.OutputStream.WriteAsync(found.Content);
                }
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }

    /// <summary>A gzipped tar holding one marker file, and the digest of the tar before compression.</summary>
    private static (byte[] Layer, string DiffId) PlaceholderLayer()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "etc/stand-in-base-image")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("Harmonia deploy tests\n")),
            };
            writer.WriteEntry(entry);
        }

        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(tar.ToArray());
        }

        return (gzip.ToArray(), Digest(tar.ToArray()));
    }

    private static JsonObject Descriptor(string mediaType, byte[] content) =>
        new() { ["mediaType"] = mediaType, ["digest"] = Digest(content), ["size"] = content.Length };

    private static string Digest(byte[] content) => $"sha256:{Convert.ToHexStringLower(SHA256.HashData(content))}";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
