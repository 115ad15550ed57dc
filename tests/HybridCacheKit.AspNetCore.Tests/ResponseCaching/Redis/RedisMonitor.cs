using System.Net.Sockets;
using System.Text;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching.Redis;

/// <summary>
/// Records every command the server executes (Redis MONITOR) on a connection of its own, so a test can tell exactly
/// which commands touched its keys, whatever else shares the server.
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;

    private RedisMonitor(TcpClient client, StreamReader reader)
    {
        _client = client;
        _reader = reader;
    }

    public static async Task<RedisMonitor> StartAsync(RedisServer server)
    {
        var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream, Encoding.UTF8);
        var ok = await reader.ReadLineAsync();
        Assert.Equal("+OK", ok);
        return new RedisMonitor(client, reader);
    }

    /// <summary>Every command executed since the start, up to a marker sent through <paramref name="other"/>.</summary>
    public async Task<List<string>> StopAsync(RespClient other)
    {
        var marker = "monitor-end-" + Guid.NewGuid().ToString("N");
        await other.ExecuteAsync("ECHO", marker);
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return lines;
            }

            lines.Add(line);
        }

        throw new InvalidOperationException("The MONITOR connection closed before the marker arrived.");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
