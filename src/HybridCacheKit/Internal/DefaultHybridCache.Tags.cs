using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HybridCacheKit.Distributed;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.Internal;

// Tags. RemoveByTagAsync records "tag invalidated at stamp S" locally and in L2 (key __hck:tag:<tag>); an entry
// created at or before S is a miss from then on. L1 hits check the local record (free: a dictionary lookup per tag);
// L2 hits re-read the records of the entry's tags and of "*" from L2, unless read within TagStateCacheDuration, so an
// invalidation made by another instance is honoured as soon as this instance's L1 copy has expired.
internal sealed partial class DefaultHybridCache
{
    internal const string TagKeyPrefix = ReservedPrefix + "tag:";
    private const byte TagRecordVersion = 1;
    private const int TagRecordLength = 9;

    // Bounds the tag states kept per instance (invalidated tags, and never-invalidated tags whose check is remembered):
    // a flood of distinct tags costs at most this many states (~160 B each). Past it, the states are dropped and the
    // overflow stamp stands in for all of them: a tagged L1 entry last validated at or before it is revalidated against
    // L2 (or recomputed) before it is served again. Conservative — more misses after a flood, never a stale value.
    internal const int DefaultMaxTrackedTags = 100_000;

    private readonly object _tagCompactionLock = new();
    private long _tagOverflowStamp;

    /// <summary>The cap on tracked tag states; internal and settable so tests can flood it cheaply.</summary>
    internal int MaxTrackedTags { get; set; } = DefaultMaxTrackedTags;

    /// <summary>How many tag states are held now (for tests).</summary>
    internal int TrackedTagStatesForTests => _tagStates.Count;

    private readonly ConcurrentDictionary<string, TagState> _tagStates = new(StringComparer.Ordinal);
    private readonly TagState _allTags = new();
    private volatile bool _anyTagInvalidated;

    private bool IsInvalidatedLocally(CacheItem item)
    {
        var created = item.CreatedUtcTicks;
        if (created <= Volatile.Read(ref _allTags.InvalidatedAt))
        {
            return true;
        }

        var tags = item.Tags;
        if (tags.Length == 0 || !_anyTagInvalidated)
        {
            return false;
        }

        if (item.ValidatedStamp <= Volatile.Read(ref _tagOverflowStamp))
        {
            return true;
        }

        foreach (var tag in tags)
        {
            if (_tagStates.TryGetValue(tag, out var state) && created <= Volatile.Read(ref state.InvalidatedAt))
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken)
    {
        // The rules entries' tags follow ("*" aside, which means everything here): a tag no entry can carry matches
        // nothing, and one without a UTF-8 form would reach L2 and the backplane under a lossy name.
        if (tag != "*")
        {
            ValidateTag(tag, nameof(tag));
        }

        // As in SetAsync: the token counts until the invalidation starts; once applied here it is completed in L2 and
        // announced (or queued for replay), never left applied on this instance only.
        cancellationToken.ThrowIfCancellationRequested();
        var stamp = _clock.NextStamp();
        ApplyTagInvalidation(tag, stamp);
        _metrics.TagInvalidated();

        if (_l2 is null)
        {
            return;
        }

        var written = await WriteTagRecordAsync(tag, stamp, CancellationToken.None).ConfigureAwait(false);
        await SettleChangeAsync(isTag: true, tag, HybridCacheBackplaneMessageKind.TagInvalidated, stamp, written, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the L2 record "<paramref name="tag"/> invalidated at <paramref name="stamp"/>"; with an L2 that can carry
    /// it, the announcement goes out with the record, so no instance can miss an invalidation whose record was written
    /// because the writer died before publishing it.
    /// </summary>
    private async ValueTask<L2Write> WriteTagRecordAsync(string tag, long stamp, CancellationToken cancellationToken)
    {
        var recordKey = TagKeyPrefix + tag;

        // A record only ever rises. Another instance may have written a higher stamp (its clock runs ahead of ours, or
        // its write of a later invalidation landed first): writing ours over it would lower the record and bring back,
        // for every instance that reads it, entries that invalidation covered. So the record keeps the higher of the
        // two. Read, then write: two invalidations of one tag within one round trip can still land in the wrong order
        // (each instance that hears their messages keeps the higher stamp).
        var recordStamp = stamp;
        var (read, current) = await CallL2Async("tag_get", recordKey, (_l2!, recordKey), static (s, ct) => new ValueTask<byte[]?>(s.Item1.GetAsync(s.recordKey, ct)), cancellationToken).ConfigureAwait(false);
        if (read && current is { Length: TagRecordLength } && current[0] == TagRecordVersion)
        {
            recordStamp = Math.Max(stamp, BinaryPrimitives.ReadInt64LittleEndian(current.AsSpan(1)));
        }

        var record = new byte[TagRecordLength];
        record[0] = TagRecordVersion;
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(1), recordStamp);
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.TagInvalidationRetention };
        if (_announcingL2 is { } announcer)
        {
            return await WriteAndAnnounceAsync(announcer, recordKey, new ReadOnlySequence<byte>(record), options, new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.TagInvalidated, tag, stamp), "tag_set", cancellationToken).ConfigureAwait(false);
        }

        var (ok, _) = await CallL2Async("tag_set", recordKey, (_l2!, recordKey, record, options), static (s, ct) => Succeeded(new ValueTask(s.Item1.SetAsync(s.recordKey, s.record, s.options, ct))), cancellationToken).ConfigureAwait(false);
        return ok ? L2Write.Written : L2Write.Failed;
    }

    /// <summary>Raises the local invalidation stamp of a tag (never lowers it). Also used when a backplane reports one.</summary>
    internal void RecordInvalidation(string tag, long stamp)
    {
        TagState? state;
        if (tag == "*")
        {
            state = _allTags;
        }
        else if (!_tagStates.TryGetValue(tag, out state))
        {
            if (_tagStates.Count >= MaxTrackedTags)
            {
                CompactTagStates();
            }

            state = _tagStates.GetOrAdd(tag, static _ => new TagState());
        }

        InterlockedMax(ref state.InvalidatedAt, stamp);
        if (!ReferenceEquals(state, _allTags))
        {
            _anyTagInvalidated = true;
        }
    }

    /// <summary>true: invalidated; false: valid; null: the tag state could not be read (treated as a miss).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool?> IsInvalidatedRemotelyAsync(Envelope.EnvelopeMetadata metadata, CancellationToken cancellationToken)
    {
        var created = metadata.CreatedUtcTicks;
        var stamp = await GetTagStampAsync("*", _allTags, cancellationToken).ConfigureAwait(false);
        if (stamp is null)
        {
            return null;
        }

        if (created <= stamp)
        {
            return true;
        }

        if (metadata.Tags.Length == 0)
        {
            return false;
        }

        if (metadata.Tags.Length == 1)
        {
            var only = await GetTagStampAsync(metadata.Tags[0], null, cancellationToken).ConfigureAwait(false);
            return only is null ? null : created <= only;
        }

        var reads = new Task<long?>[metadata.Tags.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = GetTagStampAsync(metadata.Tags[i], null, cancellationToken).AsTask();
        }

        var stamps = await Task.WhenAll(reads).ConfigureAwait(false);
        var unknown = false;
        foreach (var tagStamp in stamps)
        {
            if (tagStamp is null)
            {
                unknown = true;
            }
            else if (created <= tagStamp)
            {
                return true;
            }
        }

        return unknown ? null : false;
    }

    /// <summary>The latest known invalidation stamp of a tag (0: never), reading L2 unless the local state is recent enough.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long?> GetTagStampAsync(string tag, TagState? state, CancellationToken cancellationToken)
    {
        state ??= _tagStates.TryGetValue(tag, out var existing) ? existing : null;
        var cacheFor = _options.TagStateCacheDuration;
        var nowMs = _clock.NowMs();
        if (state is not null
            && ((cacheFor > TimeSpan.Zero && nowMs - Volatile.Read(ref state.CheckedAtMs) < (long)cacheFor.TotalMilliseconds)
                || (BackplaneTrusted && Volatile.Read(ref state.Epoch) == Volatile.Read(ref _tagEpoch))))
        {
            // Read recently enough, or read since the backplane (re)connected: every later invalidation reaches us as a message.
            return Volatile.Read(ref state.InvalidatedAt);
        }

        var epoch = Volatile.Read(ref _tagEpoch);

        var recordKey = TagKeyPrefix + tag;
        var (ok, bytes) = await CallL2Async("tag_get", recordKey, (_l2!, recordKey), static (s, ct) => new ValueTask<byte[]?>(s.Item1.GetAsync(s.recordKey, ct)), cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            return null;
        }

        long remote = 0;
        if (bytes is not null)
        {
            if (bytes.Length == TagRecordLength && bytes[0] == TagRecordVersion)
            {
                remote = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1));
            }
            else
            {
                // An unreadable record: be safe (everything tagged before now is invalid) and heal it.
                remote = _clock.NextStamp();
                await InvalidateTagAsync(tag, cancellationToken).ConfigureAwait(false);
            }
        }

        if (remote > 0)
        {
            RecordInvalidation(tag, remote);
            state ??= tag == "*" ? _allTags : _tagStates.GetOrAdd(tag, static _ => new TagState());
        }
        else if (state is null && BackplaneTrusted && _tagStates.Count < MaxTrackedTags)
        {
            // Remember that this never-invalidated tag was checked, so later L2 hits need not re-read it.
            state = _tagStates.GetOrAdd(tag, static _ => new TagState());
        }

        if (state is not null)
        {
            Volatile.Write(ref state.CheckedAtMs, nowMs);
            Volatile.Write(ref state.Epoch, epoch);
            return Math.Max(remote, Volatile.Read(ref state.InvalidatedAt));
        }

        return remote;
    }

    /// <summary>
    /// Drops every tag state and raises the overflow stamp past all of them and past now, so whatever they invalidated
    /// stays invalid (see <see cref="DefaultMaxTrackedTags"/>). Tags invalidated from here on are tracked again.
    /// </summary>
    private void CompactTagStates()
    {
        lock (_tagCompactionLock)
        {
            if (_tagStates.Count < MaxTrackedTags)
            {
                return;
            }

            var overflow = _clock.NextStamp();
            foreach (var pair in _tagStates)
            {
                overflow = Math.Max(overflow, Volatile.Read(ref pair.Value.InvalidatedAt));
            }

            var dropped = _tagStates.Count;
            InterlockedMax(ref _tagOverflowStamp, overflow);
            _tagStates.Clear();
            _anyTagInvalidated = true;
            _metrics.TagStatesCompacted();
            Log.TagStatesCompacted(_logger, dropped);
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private sealed class TagState
    {
#pragma warning disable SA1401, CA1051 // fields for Interlocked/Volatile access
        public long InvalidatedAt;
        public long CheckedAtMs = long.MinValue / 2;
        public int Epoch = -1;
#pragma warning restore SA1401, CA1051
    }
}
