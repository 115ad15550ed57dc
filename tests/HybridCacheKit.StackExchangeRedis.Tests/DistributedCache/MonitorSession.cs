using System.Net.Sockets;
using System.Text;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// A raw <c>MONITOR</c> connection: every command the server runs is streamed back as one line, tagged with the client
/// that sent it, or <c>lua</c> for a command a script ran. Lines are read until a marker command shows up.
/// </summary>
internal sealed class MonitorSession : IDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private MonitorSession(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<MonitorSession> StartAsync(string host, int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(10));
        var session = new MonitorSession(client);
        await session._stream.WriteAsync("*1\r\n$7\r\nMONITOR\r\n"u8.ToArray());
        var ok = await session.ReadLineAsync();
        return ok == "+OK" ? session : throw new InvalidOperationException($"MONITOR answered {ok}.");
    }

    /// <summary>Lines seen until (excluding) the first that contains <paramref name="marker"/>.</summary>
    public async Task<IReadOnlyList<string>> ReadUntilAsync(string marker)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return lines;
            }

            lines.Add(line);
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _client.Dispose();
    }

    private async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("MONITOR connection closed.");
    }
}
