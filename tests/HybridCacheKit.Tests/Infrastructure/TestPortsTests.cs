using System.Net;
using System.Net.Sockets;
using HybridCacheKit.TestUtilities;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class TestPortsTests
{
    [Fact]
    public void GetFreeTcpPort_Called_ReturnsBindableLoopbackPort()
    {
        var port = TestPorts.GetFreeTcpPort();

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Assert.InRange(port, 1, 65535);
        Assert.Equal(port, ((IPEndPoint)listener.LocalEndpoint).Port);
    }
}
