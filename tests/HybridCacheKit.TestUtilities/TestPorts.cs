using System.Net;
using System.Net.Sockets;

namespace HybridCacheKit.TestUtilities;

/// <summary>Finds free TCP ports on the loopback interface.</summary>
public static class TestPorts
{
    /// <summary>
    /// Returns a loopback TCP port that was free a moment ago. Another process can still take it
    /// before the caller binds, so callers that start servers should retry on "address in use".
    /// </summary>
    public static int GetFreeTcpPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
