using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace HybridCacheKit.TestUtilities.Redis;

public sealed partial class RedisServer
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    // Ready means: our own process (checked by INFO's process_id, so a foreign server that grabbed
    // the port in a race is not mistaken for ours) accepts connections and answers commands.
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var pid = ThrowIfExited();
            try
            {
                await using var client = await CreateClientAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
                if (IsTls || IsOurs(await client.ExecuteAsync(["INFO", "server"], cancellationToken).ConfigureAwait(false), pid))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            ThrowIfPastDeadline(started);
            await Task.Delay(ProbeInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private void WaitUntilReady()
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var pid = ThrowIfExited();
            try
            {
                using var client = CreateClient(ProbeTimeout);
                if (IsTls || IsOurs(client.Execute("INFO", "server"), pid))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
            {
            }

            ThrowIfPastDeadline(started);
            Thread.Sleep(ProbeInterval);
        }
    }

    private static bool IsOurs(RespReply info, int pid) =>
        info.IsError
            ? info.Text!.StartsWith("NOAUTH", StringComparison.Ordinal) // password or ACL set by extra args: up.
            : info.Text?.Contains($"process_id:{pid.ToString(CultureInfo.InvariantCulture)}\r\n", StringComparison.Ordinal) == true;

    private int ThrowIfExited()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            var exitCode = process?.HasExited == true ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";
            var message = DescribeFailure($"redis-server exited during startup (exit code {exitCode}).");
            throw new RedisStartupException(message, message.Contains("Address already in use", StringComparison.Ordinal));
        }

        return process.Id;
    }

    private void ThrowIfPastDeadline(long started)
    {
        if (Stopwatch.GetElapsedTime(started) > StartupTimeout)
        {
            throw new RedisStartupException(
                DescribeFailure($"redis-server did not answer on {ConfigurationString} within {StartupTimeout}."), portInUse: false);
        }
    }
}
