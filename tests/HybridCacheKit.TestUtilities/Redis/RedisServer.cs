using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// A real <c>redis-server</c> child process on a free loopback port, with its own temporary
/// directory, no persistence, and controls for fault injection (kill, stop, restart, pause).
/// If <c>redis-server</c> is not installed, <see cref="StartAsync"/> throws with install instructions.
/// </summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    private const int MaxPortAttempts = 5;
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "hybridcachekit-redis");

    private readonly object _gate = new();
    private readonly string _executable;
    private readonly string[] _extraArgs;
    private readonly StringBuilder _output = new();
    private Process? _process;
    private bool _disposed;

    private RedisServer(string executable, int port, string[] extraArgs, string directory)
    {
        _executable = executable;
        Port = port;
        _extraArgs = extraArgs;
        DataDirectory = directory;
    }

    /// <summary>The loopback address the server binds to.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port clients connect to (the TLS port when started with <c>--tls-port {port}</c>).</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, usable as a StackExchange.Redis configuration string.</summary>
    public string ConfigurationString => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The server's own temporary directory (working dir, pidfile, log, cluster config).</summary>
    public string DataDirectory { get; }

    /// <summary>The pidfile redis-server writes.</summary>
    public string PidFile => Path.Combine(DataDirectory, StaleRedisServerCleanup.RedisPidFile);

    /// <summary>The server log file.</summary>
    public string LogFile => Path.Combine(DataDirectory, "redis.log");

    /// <summary>The arguments given to redis-server, including the extra ones.</summary>
    public IReadOnlyList<string> Arguments => BuildArguments();

    /// <summary>True when the server was started with <c>--tls-port</c>; readiness is then a TCP connect, not PING.</summary>
    public bool IsTls => _extraArgs.Contains("--tls-port", StringComparer.Ordinal);

    /// <summary>The process id while running; otherwise null.</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    /// <summary>True while the process is alive (including while paused).</summary>
    public bool IsRunning => ProcessId is not null;

    /// <summary>True between <see cref="Pause"/> and <see cref="Resume"/>.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>
    /// Starts a server and waits until it answers PING. <paramref name="extraArgs"/> are appended
    /// after the defaults, so they override them (redis uses the last value); the token
    /// <c>{port}</c> in them is replaced by the chosen port, e.g. <c>--port 0 --tls-port {port}</c>
    /// or <c>--cluster-enabled yes --cluster-config-file nodes.conf</c> (relative to <see cref="DataDirectory"/>).
    /// </summary>
    public static async Task<RedisServer> StartAsync(
        IEnumerable<string>? extraArgs = null, CancellationToken cancellationToken = default)
    {
        var executable = RedisExecutable.Resolve();
        StaleRedisServerCleanup.RunOnce(Root);
        var args = extraArgs?.ToArray() ?? [];

        for (var attempt = 1; ; attempt++)
        {
            var directory = Path.Combine(Root, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(
                Path.Combine(directory, StaleRedisServerCleanup.OwnerPidFile),
                Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                cancellationToken).ConfigureAwait(false);

            var server = new RedisServer(executable, TestPorts.GetFreeTcpPort(), args, directory);
            try
            {
                await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (RedisStartupException ex) when (ex.PortInUse && attempt < MaxPortAttempts)
            {
                // Another process took the port between probing and binding; try a new one.
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Opens a new <see cref="RespClient"/> to this server.</summary>
    public RespClient CreateClient(TimeSpan? timeout = null) => RespClient.Connect(Host, Port, timeout);

    /// <summary>Opens a new <see cref="RespClient"/> to this server.</summary>
    public Task<RespClient> CreateClientAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RespClient.ConnectAsync(Host, Port, timeout, cancellationToken);

    /// <summary>Kills the process with SIGKILL (a crash: no shutdown, connections reset) and waits for it to exit.</summary>
    public void Kill()
    {
        lock (_gate)
        {
            if (_process is { } process)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit();
                }

                process.Dispose();
                _process = null;
            }

            IsPaused = false;
        }
    }

    /// <summary>Stops the process gracefully with SIGTERM (SIGKILL after 10 s) and waits for it to exit.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_process is not { HasExited: false } process)
            {
                Kill();
                return;
            }

            PosixSignals.Send(process.Id, PosixSignals.SigTerm);
            if (IsPaused)
            {
                // A stopped process only acts on SIGTERM once continued.
                PosixSignals.Send(process.Id, PosixSignals.SigCont);
            }

            if (!process.WaitForExit(StopTimeout))
            {
                process.Kill();
            }

            Kill();
        }
    }

    /// <summary>Stops the server if running and starts it again on the same port; data is lost (no persistence).</summary>
    public void Restart()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Stop();
            LaunchProcess();
        }

        WaitUntilReady();
    }

    /// <summary>Asynchronous <see cref="Restart"/>.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Stop();
        }

        await StartProcessAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Freezes the process with SIGSTOP: connections stay open but nothing is answered.</summary>
    public void Pause()
    {
        lock (_gate)
        {
            PosixSignals.Send(RequireRunning().Id, PosixSignals.SigStop);
            IsPaused = true;
        }
    }

    /// <summary>Continues a paused process with SIGCONT; queued commands are then answered.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            PosixSignals.Send(RequireRunning().Id, PosixSignals.SigCont);
            IsPaused = false;
        }
    }

    /// <summary>The server log so far, for diagnostics.</summary>
    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    /// <summary>Kills the process (whatever its state) and deletes <see cref="DataDirectory"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            lock (_gate)
            {
                _disposed = true;
                Kill();
            }
        }
        finally
        {
            for (var attempt = 0; Directory.Exists(DataDirectory); attempt++)
            {
                try
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
                catch (IOException) when (attempt < 10)
                {
                    await Task.Delay(50).ConfigureAwait(false);
                }
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"redis-server {ConfigurationString} ({DataDirectory})";

    private Process RequireRunning()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _process is { HasExited: false } process
            ? process
            : throw new InvalidOperationException("The Redis server is not running.");
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LaunchProcess();
        }

        await WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    private void LaunchProcess()
    {
        var startInfo = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in BuildArguments())
        {
            startInfo.ArgumentList.Add(arg);
        }

        lock (_output)
        {
            _output.Clear();
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        process.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        IsPaused = false;
    }

    private string[] BuildArguments()
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        string[] defaults =
        [
            "--port", port,
            "--bind", Host,
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", DataDirectory,
            "--pidfile", PidFile,
            "--logfile", LogFile,
        ];
        return [.. defaults, .. _extraArgs.Select(a => a.Replace("{port}", port, StringComparison.Ordinal))];
    }

    private void AppendOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string DescribeFailure(string reason)
    {
        string output;
        lock (_output)
        {
            output = _output.ToString();
        }

        var log = ReadLog();
        var tail = log.Length > 4000 ? log[^4000..] : log;
        return $"{reason}\nCommand: {_executable} {string.Join(' ', BuildArguments().Select(a => a.Length == 0 ? "''" : a))}" +
               $"\nOutput:\n{output}\nLog ({LogFile}):\n{tail}";
    }
}
