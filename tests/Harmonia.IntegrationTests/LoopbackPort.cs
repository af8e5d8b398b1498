using System.Net;
using System.Net.Sockets;

namespace Harmonia.IntegrationTests;

/// <summary>A loopback port free at the moment of asking, for a process a test starts.</summary>
internal static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
