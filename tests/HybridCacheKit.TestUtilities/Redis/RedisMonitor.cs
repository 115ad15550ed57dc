using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// Watches every command a <see cref="RedisServer"/> executes (Redis <c>MONITOR</c>), so a test can count the commands
/// and round trips an operation costs. Commands run inside a Lua script are reported too, marked
/// <see cref="RedisMonitorEntry.FromScript"/>, so they can be told apart from commands a client sent.
/// </summary>
/// <remarks>
/// Redis executes commands one at a time and feeds monitors in execution order. <see cref="NextBatchAsync"/> sends a
/// unique marker command and returns everything executed before it, so a batch holds exactly the commands of whatever
/// completed before the call: no sleeping, no timing.
/// </remarks>
public sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly RespClient _probe;
    private readonly Channel<RedisMonitorEntry> _entries = Channel.CreateUnbounded<RedisMonitorEntry>(new() { SingleReader = true, SingleWriter = true });
    private readonly Task _pump;
    private int _marker;

    private RedisMonitor(TcpClient client, StreamReader reader, RespClient probe)
    {
        _client = client;
        _reader = reader;
        _probe = probe;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Connects to <paramref name="server"/> and starts monitoring it.</summary>
    /// <param name="server">The server to watch.</param>
    /// <returns>The running monitor.</returns>
    public static Task<RedisMonitor> StartAsync(RedisServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return StartAsync(server.Host, server.Port);
    }

    /// <summary>Connects to the server at <paramref name="host"/>:<paramref name="port"/> and starts monitoring it.</summary>
    /// <param name="host">The server's host.</param>
    /// <param name="port">The server's port.</param>
    /// <returns>The running monitor.</returns>
    public static async Task<RedisMonitor> StartAsync(string host, int port)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("MONITOR\r\n"u8.ToArray()).ConfigureAwait(false);
            var reader = new StreamReader(stream, Encoding.Latin1);
            var ok = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (ok != "+OK")
            {
                throw new InvalidOperationException($"MONITOR was refused: {ok}");
            }

            var probe = await RespClient.ConnectAsync(host, port).ConfigureAwait(false);
            return new RedisMonitor(client, reader, probe);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Returns every command executed since the previous batch (or since the monitor started), up to a marker command
    /// this call sends itself.
    /// </summary>
    /// <param name="timeout">How long to wait for the marker; defaults to 10 seconds.</param>
    /// <returns>The commands, in execution order, without the marker.</returns>
    public async Task<IReadOnlyList<RedisMonitorEntry>> NextBatchAsync(TimeSpan? timeout = null)
    {
        var marker = "hck-monitor-marker-" + Interlocked.Increment(ref _marker).ToString(CultureInfo.InvariantCulture);
        _ = await _probe.ExecuteAsync("ECHO", marker).ConfigureAwait(false);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var batch = new List<RedisMonitorEntry>();
        while (true)
        {
            RedisMonitorEntry entry;
            try
            {
                entry = await _entries.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The MONITOR feed did not show the marker {marker} in time.");
            }

            if (entry.Command == "echo" && entry.Line.Contains(marker, StringComparison.Ordinal))
            {
                return batch;
            }

            batch.Add(entry);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _probe.Dispose();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The connection was closed on purpose.
        }
    }

    /// <summary>
    /// The network round trips a client spent on <paramref name="commands"/> (the commands it sent, in order): one per
    /// command, except that a MULTI…EXEC block, which StackExchange.Redis pipelines in one write, is one in all, and a
    /// SELECT costs none (StackExchange.Redis writes it in front of the command that needs it, without waiting).
    /// </summary>
    /// <param name="commands">Command names, lower case, without commands run inside scripts.</param>
    /// <returns>The number of round trips.</returns>
    public static int CountRoundTrips(IEnumerable<string> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var trips = 0;
        var inTransaction = false;
        foreach (var command in commands)
        {
            if (command == "select")
            {
                continue;
            }

            if (command == "multi")
            {
                inTransaction = true;
                trips++;
            }
            else if (command == "exec")
            {
                inTransaction = false;
            }
            else if (!inTransaction)
            {
                trips++;
            }
        }

        return trips;
    }

    /// <summary>Parses one MONITOR line: <c>+1700000000.123456 [0 127.0.0.1:50000] "cmd" "arg" ...</c>.</summary>
    /// <param name="line">The line without its CRLF.</param>
    /// <returns>The entry, or <see langword="null"/> for a line of another shape.</returns>
    public static RedisMonitorEntry? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var open = line.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf("] \"", open, StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }

        var nameStart = close + 3;
        var nameEnd = line.IndexOf('"', nameStart);
        if (nameEnd < 0)
        {
            return null;
        }

        return new RedisMonitorEntry(line[(open + 1)..close], line[nameStart..nameEnd].ToLowerInvariant(), line);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (Parse(line) is { } entry)
                {
                    _entries.Writer.TryWrite(entry);
                }
            }
        }
        finally
        {
            _entries.Writer.TryComplete();
        }
    }
}

/// <summary>One command seen by <see cref="RedisMonitor"/>.</summary>
/// <param name="Source">Database and client address (<c>0 127.0.0.1:50000</c>), or <c>0 lua</c> inside a script.</param>
/// <param name="Command">The command name, lower case.</param>
/// <param name="Line">The whole MONITOR line (arguments escaped by Redis).</param>
public sealed record RedisMonitorEntry(string Source, string Command, string Line)
{
    /// <summary>Whether a Lua script ran this command (it cost no round trip of its own).</summary>
    public bool FromScript => Source.EndsWith(" lua", StringComparison.Ordinal);
}
