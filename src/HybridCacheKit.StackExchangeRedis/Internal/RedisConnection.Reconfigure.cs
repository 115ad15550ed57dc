using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// StackExchange.Redis 1.x re-reads a cluster's topology only every configCheckSeconds (60 s by default). After a
// failover it keeps sending a dead master's slots to the dead endpoint ("...not reachable", then ProtocolFailure)
// until then, so the cache would miss for a minute although a replica took over within seconds. On an outage we ask
// the multiplexer to reconfigure now, at most once per second and one at a time; on a standalone server this costs a
// failed probe per second while it is down.
internal sealed partial class RedisConnection
{
    private static readonly TimeSpan ReconfigureInterval = TimeSpan.FromSeconds(1);
    private long _lastReconfigureTimestamp = long.MinValue;
    private int _reconfiguring;

    private void RequestReconfigure()
    {
        if (Multiplexer is not ConnectionMultiplexer multiplexer)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastReconfigureTimestamp);
        if ((last != long.MinValue && _time.GetElapsedTime(last, now) < ReconfigureInterval)
            || Interlocked.CompareExchange(ref _reconfiguring, 1, 0) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _lastReconfigureTimestamp, now);
        _ = ReconfigureAsync(multiplexer);
    }

    private async Task ReconfigureAsync(ConnectionMultiplexer multiplexer)
    {
        try
        {
            await multiplexer.ConfigureAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: a failed reconfiguration is retried on the next outage.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _reconfiguring, 0);
        }
    }
}
