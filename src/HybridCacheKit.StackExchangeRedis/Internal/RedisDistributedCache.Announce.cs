using System.Buffers;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal.Scripts;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Internal;

// Writes and removals that carry the backplane's message (IHybridCacheDistributedCacheAnnouncements): the script that
// makes the change publishes the message on the backplane channel in the same command, so the change and its
// announcement are one round trip and one atomic step. The message is the one RedisBackplane.PublishAsync would send
// (same encoding, same sender id), so every node, this one included, receives it exactly as before. Without scripts
// (refused by the server, or UseScripts off) and in the plain-string layout the change is made alone and reported as not
// announced; the engine then publishes through the backplane.
internal sealed partial class RedisDistributedCache : IHybridCacheDistributedCacheAnnouncements
{
    /// <summary>The backplane of this package on the same connection: its channel is on the server this cache writes to.</summary>
    public bool CanAnnounceFor(IHybridCacheBackplane backplane) => backplane is RedisBackplane redis && ReferenceEquals(redis.Connection, _connection);

    public ValueTask<bool> SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        return WriteAsync(key, Own(value), options, Prepare(backplane, announcement), token);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> RemoveAsync(string key, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        var prepared = Prepare(backplane, announcement);
        if (prepared.Payload is not null
            && UsesScripts
            && await TryEvaluateAsync("remove", RemoveEntryScript.Text, KeyFor(key), [prepared.Channel, prepared.Payload], token).ConfigureAwait(false) is not null)
        {
            return prepared.Sent();
        }

        await RemoveAsync(key, token).ConfigureAwait(false);
        return false;
    }

    private Announcement Prepare(IHybridCacheBackplane backplane, HybridCacheBackplaneMessage message)
    {
        ArgumentNullException.ThrowIfNull(backplane);
        if (!CanAnnounceFor(backplane))
        {
            throw new ArgumentException("The backplane is not this Redis cache's own (CanAnnounceFor returned false).", nameof(backplane));
        }

        var redis = (RedisBackplane)backplane;
        return new Announcement(redis, redis.ChannelValue, redis.EncodeAnnouncement(message));
    }

    /// <summary>A backplane message ready to go out with a write; <see cref="Payload"/> is null when there is none to send.</summary>
    private readonly record struct Announcement(RedisBackplane? Backplane, RedisValue Channel, byte[]? Payload)
    {
        /// <summary>Records that the command carrying the message succeeded; true when there was a message.</summary>
        public bool Sent()
        {
            if (Payload is null)
            {
                return false;
            }

            Backplane!.OnAnnounced();
            return true;
        }
    }
}
