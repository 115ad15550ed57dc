using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Incoming messages. Never throws into StackExchange.Redis: unreadable messages (garbage, other versions, unknown kinds)
// are counted and logged (first one, then at every power of two, so a flood cannot flood the log) and dropped.
internal sealed partial class RedisBackplane
{
    private long _rejected;
    private long _ownIgnored;

    private void OnRedisMessage(RedisChannel channel, RedisValue value)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            byte[]? bytes = value;
            var status = BackplaneMessageCodec.TryDecode(bytes, out var message);
            if (status != DecodeStatus.Ok)
            {
                Reject(status);
                return;
            }

            if (message.Sender == InstanceId)
            {
                if (message.Kind == WireKind.Ping)
                {
                    OnEcho(message.Stamp);
                }
                else
                {
                    Interlocked.Increment(ref _ownIgnored);
                }

                return;
            }

            if (message.IsChange)
            {
                _listener?.OnMessage(message.ToBackplaneMessage());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ListenerFailed(_logger, ex);
        }
    }

    private void Reject(DecodeStatus status)
    {
        var count = Interlocked.Increment(ref _rejected);
        if ((count & (count - 1)) == 0)
        {
            Log.MessageRejected(_logger, status.ToString(), count);
        }
    }
}
