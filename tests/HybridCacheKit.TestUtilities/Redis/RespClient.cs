using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// A minimal RESP2 client over one TCP connection, for probing and driving test servers
/// without StackExchange.Redis. Commands are serialized; after a timeout or I/O error the
/// connection state is unknown, so the client refuses further commands (create a new one).
/// </summary>
public sealed class RespClient : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;
    private bool _broken;
    private bool _disposed;

    private RespClient(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        Timeout = timeout;
        _socket.NoDelay = true;
        _socket.ReceiveTimeout = ToMilliseconds(timeout);
        _socket.SendTimeout = ToMilliseconds(timeout);
    }

    /// <summary>How long a command (send plus reply) may take before it fails with <see cref="TimeoutException"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Connects synchronously. <paramref name="timeout"/> (default 5 seconds) bounds each command; connecting waits at
    /// least the default, because on a loaded machine a loopback connect can take longer than a short command timeout
    /// (a test that measures command timeouts must not fail while connecting).
    /// </summary>
    public static RespClient Connect(string host, int port, TimeSpan? timeout = null)
    {
        var effective = timeout ?? DefaultTimeout;
        var connectTimeout = ConnectTimeout(effective);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            var connect = socket.BeginConnect(new DnsEndPoint(host, port), null, null);
            if (!connect.AsyncWaitHandle.WaitOne(connectTimeout))
            {
                throw new TimeoutException($"Connecting to {host}:{port} timed out after {connectTimeout}.");
            }

            socket.EndConnect(connect);
            return new RespClient(socket, effective);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>How long connecting may take: the command timeout, but never less than the default.</summary>
    private static TimeSpan ConnectTimeout(TimeSpan commandTimeout) => commandTimeout > DefaultTimeout ? commandTimeout : DefaultTimeout;

    /// <summary>Connects asynchronously; the timeouts are those of <see cref="Connect"/>.</summary>
    public static async Task<RespClient> ConnectAsync(
        string host, int port, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var effective = timeout ?? DefaultTimeout;
        var connectTimeout = ConnectTimeout(effective);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(connectTimeout);
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(host, port), cts.Token).ConfigureAwait(false);
            return new RespClient(socket, effective);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {host}:{port} timed out after {connectTimeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one command and returns its reply. Arguments may be strings, byte arrays,
    /// <see cref="ReadOnlyMemory{T}"/> of bytes, or numbers. Error replies are returned, not thrown.
    /// </summary>
    public RespReply Execute(params object[] args)
    {
        var request = Encode(args);
        _lock.Wait();
        try
        {
            EnsureUsable();
            try
            {
                _socket.Send(request);
                while (true)
                {
                    if (TryTakeReply(out var reply))
                    {
                        return reply;
                    }

                    PrepareReceive();
                    OnReceived(_socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None));
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                _broken = true;
                throw new TimeoutException($"Redis command {Describe(args)} timed out after {Timeout}.", ex);
            }
            catch (SocketException ex)
            {
                _broken = true;
                throw new IOException($"Redis command {Describe(args)} failed: {ex.SocketErrorCode}.", ex);
            }
            catch
            {
                _broken = true;
                throw;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends one command asynchronously; see <see cref="Execute"/>.</summary>
    public Task<RespReply> ExecuteAsync(params object[] args) => ExecuteAsync(args, CancellationToken.None);

    /// <summary>Sends one command asynchronously; see <see cref="Execute"/>.</summary>
    public async Task<RespReply> ExecuteAsync(IEnumerable<object> args, CancellationToken cancellationToken)
    {
        var argArray = args.ToArray();
        var request = Encode(argArray);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureUsable();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Timeout);
            try
            {
                await _socket.SendAsync(request, SocketFlags.None, cts.Token).ConfigureAwait(false);
                while (true)
                {
                    if (TryTakeReply(out var reply))
                    {
                        return reply;
                    }

                    PrepareReceive();
                    OnReceived(await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cts.Token)
                        .ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                _broken = true;
                throw new TimeoutException($"Redis command {Describe(argArray)} timed out after {Timeout}.", ex);
            }
            catch (SocketException ex)
            {
                _broken = true;
                throw new IOException($"Redis command {Describe(argArray)} failed: {ex.SocketErrorCode}.", ex);
            }
            catch
            {
                _broken = true;
                throw;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void EnsureUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
        {
            throw new InvalidOperationException(
                "This RespClient failed or timed out earlier and its connection state is unknown; create a new one.");
        }
    }

    private bool TryTakeReply(out RespReply reply)
    {
        if (RespParser.TryParse(_buffer.AsSpan(_start, _end - _start), out var parsed, out var consumed))
        {
            _start += consumed;
            reply = parsed!;
            return true;
        }

        reply = null!;
        return false;
    }

    private void PrepareReceive()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    private void OnReceived(int count)
    {
        if (count == 0)
        {
            throw new IOException("Redis closed the connection.");
        }

        _end += count;
    }

    private static byte[] Encode(object[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            throw new ArgumentException("A command needs at least one argument.", nameof(args));
        }

        var writer = new ArrayBufferWriter<byte>();
        WriteAscii(writer, $"*{args.Length}\r\n");
        foreach (var arg in args)
        {
            var bytes = arg switch
            {
                string s => Encoding.UTF8.GetBytes(s),
                byte[] b => b,
                ReadOnlyMemory<byte> m => m.ToArray(),
                IFormattable f => Encoding.UTF8.GetBytes(f.ToString(null, CultureInfo.InvariantCulture)),
                _ => throw new ArgumentException($"Unsupported RESP argument type {arg?.GetType().Name ?? "null"}.", nameof(args)),
            };
            WriteAscii(writer, $"${bytes.Length}\r\n");
            writer.Write(bytes);
            writer.Write("\r\n"u8);
        }

        return writer.WrittenSpan.ToArray();
    }

    private static void WriteAscii(ArrayBufferWriter<byte> writer, string text) =>
        writer.Write(Encoding.ASCII.GetBytes(text));

    private static string Describe(object[] args) => args[0] as string ?? "(binary)";

    private static int ToMilliseconds(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan ? 0 : (int)Math.Ceiling(timeout.TotalMilliseconds);
}
