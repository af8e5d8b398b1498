using System.Text;

namespace Harmonia.LoadGenerator;

/// <summary>
/// Requests encoded once, before a run, as the open loop writes them to its connections: the bytes of an HTTP/1.1
/// request with a bearer token, so sending one costs a write and nothing else.
/// </summary>
internal static class RequestBytes
{
    public static byte[] Get(Uri api, string path, string token) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {api.Authority}\r\nAuthorization: Bearer {token}\r\n\r\n");

    public static byte[] PostJson(Uri api, string path, string token, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return [.. Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {api.Authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
    }
}
