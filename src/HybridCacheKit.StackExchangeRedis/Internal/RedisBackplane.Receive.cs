using System.Buffers.Binary;
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
            if (bytes is not null && BackplaneMessageCodec.IsBatch(bytes))
            {
                OnBatch(bytes);
                return;
            }

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

    private void OnBatch(byte[] bytes)
    {
        // Our own batches come back too: recognise them by the header alone, without decoding every record.
        if (bytes.Length >= BackplaneMessageCodec.HeaderLength && new Guid(bytes.AsSpan(2, 16), bigEndian: true) == InstanceId)
        {
            Interlocked.Add(ref _ownIgnored, Math.Max(0, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(18, 8))));
            return;
        }

        var messages = new List<WireMessage>();
        var status = BackplaneMessageCodec.TryDecodeBatch(bytes, out _, messages);
        if (status != DecodeStatus.Ok)
        {
            Reject(status);
            return;
        }

        // One message whose handling throws must not cost the others in the batch their eviction.
        foreach (var message in messages)
        {
            try
            {
                _listener?.OnMessage(message.ToBackplaneMessage());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.ListenerFailed(_logger, ex);
            }
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
