using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Distributed;

/// <summary>
/// Optionally implemented by the L2 <see cref="IDistributedCache"/> when it can send a backplane's change message in the
/// same atomic operation as the write or removal the message announces. The engine then makes the change and its
/// announcement one call: one round trip instead of two, and no moment at which the change is made but not announced
/// (a process that dies between the two would otherwise leave the other instances serving their old L1 copies).
/// </summary>
/// <remarks>
/// <para>The engine asks <see cref="CanAnnounceFor"/> once, when it is created, with the backplane it uses. Each method
/// returns <see langword="true"/> when the message went out with the change, and <see langword="false"/> when only the
/// change was made (for example because the server refuses scripts); the engine then publishes the message through the
/// backplane itself. A method that throws is treated as a failed L2 call, and the engine still publishes the message
/// through the backplane.</para>
/// <para>A message sent this way must reach the other instances exactly as one sent through
/// <see cref="IHybridCacheBackplane.PublishAsync"/> would, and must come back to the sender as its own, to be ignored.</para>
/// </remarks>
public interface IHybridCacheDistributedCacheAnnouncements
{
    /// <summary>Whether this cache can send <paramref name="backplane"/>'s messages along with its own writes.</summary>
    /// <param name="backplane">The engine's backplane.</param>
    /// <returns><see langword="true"/> if the other methods may be called with <paramref name="backplane"/>.</returns>
    bool CanAnnounceFor(IHybridCacheBackplane backplane);

    /// <summary>Writes like <see cref="IBufferDistributedCache.SetAsync"/> and announces <paramref name="announcement"/> in the same operation.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; valid only until the returned task completes.</param>
    /// <param name="options">The entry's expiration.</param>
    /// <param name="backplane">The backplane <see cref="CanAnnounceFor"/> accepted.</param>
    /// <param name="announcement">The message announcing the write.</param>
    /// <param name="token">Cancels the call.</param>
    /// <returns>Whether <paramref name="announcement"/> was published with the write.</returns>
    ValueTask<bool> SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token);

    /// <summary>Removes like <see cref="IDistributedCache.RemoveAsync"/> and announces <paramref name="announcement"/> in the same operation.</summary>
    /// <param name="key">The key.</param>
    /// <param name="backplane">The backplane <see cref="CanAnnounceFor"/> accepted.</param>
    /// <param name="announcement">The message announcing the removal.</param>
    /// <param name="token">Cancels the call.</param>
    /// <returns>Whether <paramref name="announcement"/> was published with the removal.</returns>
    ValueTask<bool> RemoveAsync(string key, IHybridCacheBackplane backplane, HybridCacheBackplaneMessage announcement, CancellationToken token);
}
