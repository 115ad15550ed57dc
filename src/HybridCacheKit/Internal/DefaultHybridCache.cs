using System.Buffers;
using System.Diagnostics.Metrics;
using HybridCacheKit.Distributed;
using HybridCacheKit.Serialization;
using HybridCacheKit.Shared;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.Internal;

/// <summary>
/// The HybridCacheKit engine: L1 (an <see cref="L1Store"/>) in front of the registered
/// <see cref="IDistributedCache"/> (L2). One file per concern: <c>.L1</c>, <c>.L2</c>, <c>.Stampede</c>, <c>.Tags</c>,
/// <c>.Store</c>, <c>.Log</c>. See Internal/readme.md for the design.
/// </summary>
internal sealed partial class DefaultHybridCache : HybridCache, IDisposable
{
    /// <summary>Keys starting with this are the engine's own (tag records) and are rejected as application keys.</summary>
    internal const string ReservedPrefix = "__hck:";

    private static readonly TimeSpan s_defaultExpiration = TimeSpan.FromMinutes(5);

    // C0 controls and DEL: never part of a legitimate key, and a classic log- and key-injection vector.
    private static readonly SearchValues<char> s_forbiddenKeyChars = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    private readonly HybridCacheKitOptions _options;
    private readonly IDistributedCache? _l2;
    private readonly IBufferDistributedCache? _bufferL2;
    private readonly IHybridCacheDistributedCacheAvailability? _l2Availability;
    private readonly bool _l2HonorsCancellation;
    private readonly IHybridCacheDistributedCacheAnnouncements? _announcingL2;
    private readonly DeadlineSlots _l2Deadlines;
    private readonly L1Store _l1;
    private readonly SerializerRegistry _serializers;
    private readonly CacheClock _clock;
    private readonly ILogger _logger;
    private readonly CacheInstruments _metrics;
    private readonly TimeSpan _defaultExpiration;
    private readonly TimeSpan? _defaultLocalExpiration;
    private readonly HybridCacheEntryFlags _defaultFlags;
    private readonly int _maxKeyLength;
    private readonly bool _failSafe;
    private readonly double _eagerBeta;

    public DefaultHybridCache(
        IOptions<HybridCacheKitOptions> options,
        IServiceProvider services,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        _options = options.Value;
        var validation = new HybridCacheKitOptionsValidator().Validate(Options.DefaultName, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HybridCacheKitOptions), validation.Failures);
        }

        _clock = new CacheClock(timeProvider ?? TimeProvider.System);
        _logger = (ILogger?)loggerFactory?.CreateLogger<DefaultHybridCache>() ?? NullLogger.Instance;
        _metrics = new CacheInstruments(meterFactory);
        _serializers = new SerializerRegistry(services, _options);
        _l2 = services.GetService<IDistributedCache>();
        _bufferL2 = _l2 as IBufferDistributedCache;
        _l2Availability = _l2 as IHybridCacheDistributedCacheAvailability;
        _l2HonorsCancellation = _l2 is IHybridCacheDistributedCacheCancellation { HonorsCancellation: true };
        _l2Deadlines = new DeadlineSlots(_clock.TimeProvider);
        _l1 = new L1Store(_clock, _options.LocalCacheSizeLimitBytes, TimeSpan.FromSeconds(10), admission: _l2 is not null, onRejected: _metrics.L1AdmissionRejected);

        _defaultExpiration = _options.DefaultEntryOptions?.Expiration ?? s_defaultExpiration;
        _defaultLocalExpiration = _options.DefaultEntryOptions?.LocalCacheExpiration;
        _defaultFlags = _options.DefaultEntryOptions?.Flags ?? HybridCacheEntryFlags.None;
        _maxKeyLength = _options.MaximumKeyLength;
        _failSafe = _options.EnableFailSafe;
        _eagerBeta = _options.EagerRefreshBeta;

        _lock = _l2 is null ? null : services.GetService<IHybridCacheDistributedLock>();
        _backplane = _l2 is null ? null : services.GetService<IHybridCacheBackplane>();
        _backplane?.Subscribe(new BackplaneListener(this));
        _announcingL2 = _backplane is not null && _l2 is IHybridCacheDistributedCacheAnnouncements announcer && announcer.CanAnnounceFor(_backplane) ? announcer : null;
        _pending = _l2 is not null && _options.EnableAutoRecovery ? new PendingChanges(_options.AutoRecoveryMaxChanges) : null;
        if (_pending is { } pending)
        {
            _metrics.ObservePendingChanges(() => pending.Count);
        }
    }

    internal HybridCacheKitOptions KitOptions => _options;

    internal bool HasDistributedCache => _l2 is not null;

    internal CacheClock Clock => _clock;

    internal Meter Meter => _metrics.Meter;

    /// <inheritdoc />
    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateCoreAsync(key, state, factory, null, options, tags, cancellationToken);
    }

    /// <summary>The context-aware entry point behind <see cref="HybridCacheKitExtensions"/>.</summary>
    internal ValueTask<T> GetOrCreateWithContextAsync<TState, T>(
        string key,
        TState state,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrCreateCoreAsync(key, state, null, factory, options, tags, cancellationToken);
    }

    private ValueTask<T> GetOrCreateCoreAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var flags = options?.Flags ?? _defaultFlags;
        CacheItem? stale = null;
        var readL1 = (flags & HybridCacheEntryFlags.DisableLocalCacheRead) == 0;

        // The hit path validates nothing but the length: a key that fails validation is never stored, so it cannot
        // hit. The full validation runs on the way to a miss.
        if (readL1 && key.Length <= _maxKeyLength)
        {
            var lookup = LookupL1(key, typeof(T), out var item);
            if (lookup == L1Result.Fresh)
            {
                _metrics.L1Hit();
                if (_eagerBeta > 0 && item!.FactoryDurationTicks > 0)
                {
                    MaybeRefreshEarly(key, item, state, plainFactory, contextFactory, options, tags);
                }

                return new ValueTask<T>(item!.GetValue<T>());
            }

            stale = lookup == L1Result.Stale ? item : null;
        }

        if (!IsValidKey(key))
        {
            return RunUncachedAsync(key, state, plainFactory, contextFactory, options, tags, cancellationToken);
        }

        if (readL1)
        {
            _metrics.L1Miss();
        }

        return JoinOrStartFlightAsync(key, flags, state, plainFactory, contextFactory, options, tags, stale, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
        => SetAsync(key, value, options, tags, applyJitter: true, cancellationToken);

    /// <summary><see cref="SetAsync{T}(string, T, HybridCacheEntryOptions?, IEnumerable{string}?, CancellationToken)"/>, with or without <see cref="HybridCacheKitOptions.ExpirationJitter"/>.</summary>
    internal async ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options, IEnumerable<string>? tags, bool applyJitter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            return;
        }

        var settings = ResolveSettings(options, applyJitter);
        var tagArray = NormalizeTags(tags);

        // The token counts until the change starts. Once L1 holds the new value the change is completed in L2 and
        // announced (bounded by DistributedCacheTimeout), or queued for replay: a change cancelled half-way would
        // leave this instance serving the new value and the others the old one.
        cancellationToken.ThrowIfCancellationRequested();
        var created = _clock.NextStamp();

        // A run of this key already in progress may hold the old value: it must neither overwrite ours in L1 nor be
        // joined by callers that come after this call (as for a change announced by another instance).
        DetachRunsOf(key);
        var stored = await StoreAsync(key, value, settings, tagArray, created, factoryDurationTicks: 0, CancellationToken.None, announce: true).ConfigureAwait(false);
        await SettleChangeAsync(isTag: false, key, HybridCacheBackplaneMessageKind.KeyChanged, created, stored.L2, CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            return;
        }

        // As in SetAsync: the token counts until the change starts, then the change is completed everywhere.
        cancellationToken.ThrowIfCancellationRequested();
        DetachRunsOf(key);
        _l1.Remove(key);
        if (_l2 is not null)
        {
            var stamp = _clock.NextStamp();
            var removed = await RemoveFromL2Async(key, CancellationToken.None, new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyRemoved, key, stamp)).ConfigureAwait(false);
            await SettleChangeAsync(isTag: false, key, HybridCacheBackplaneMessageKind.KeyRemoved, stamp, removed, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask RemoveAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        List<Task>? pending = null;
        foreach (var key in keys)
        {
            var task = RemoveAsync(key, cancellationToken);
            if (!task.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(task.AsTask());
            }
        }

        if (pending is not null)
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return InvalidateTagAsync(tag, cancellationToken);
    }

    /// <inheritdoc />
    public override async ValueTask RemoveByTagAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);

        // All or nothing: every tag is checked before any is invalidated.
        var list = tags as IReadOnlyList<string> ?? [.. tags];
        foreach (var tag in list)
        {
            ArgumentNullException.ThrowIfNull(tag, nameof(tags));
            if (tag != "*")
            {
                ValidateTag(tag, nameof(tags));
            }
        }

        List<Task>? pending = null;
        foreach (var tag in list)
        {
            var task = RemoveByTagAsync(tag, cancellationToken);
            if (!task.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(task.AsTask());
            }
        }

        if (pending is not null)
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a key without running a factory: L1, then L2.</summary>
    internal async ValueTask<HybridCacheLookup<T>> TryGetAsync<T>(string key, HybridCacheEntryOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsValidKey(key))
        {
            return default;
        }

        var flags = options?.Flags ?? _defaultFlags;
        if ((flags & HybridCacheEntryFlags.DisableLocalCacheRead) == 0)
        {
            if (LookupL1(key, typeof(T), out var item) == L1Result.Fresh)
            {
                _metrics.L1Hit();
                return new HybridCacheLookup<T>(item!.GetValue<T>());
            }

            _metrics.L1Miss();
        }

        if (_l2 is null || (flags & HybridCacheEntryFlags.DisableDistributedCacheRead) != 0)
        {
            return default;
        }

        var settings = ResolveSettings(options);
        var epoch = Volatile.Read(ref _l1Epoch);
        var read = await ReadL2Async<T>(key, settings, cancellationToken).ConfigureAwait(false);
        if (read.Item is { } found && read.IsFresh)
        {
            if ((flags & HybridCacheEntryFlags.DisableLocalCacheWrite) == 0)
            {
                SetL1(key, found, readEpoch: epoch);
            }

            return new HybridCacheLookup<T>(found.GetValue<T>());
        }

        return default;
    }

    public void Dispose()
    {
        // Stops the replay loop; changes still queued are not replayed (docs/backplane.md).
        _disposing.Cancel();
        _l1.Dispose();
        _metrics.Dispose();
    }

    private bool IsValidKey(string key)
    {
        // Fast path, one vectorized scan: a non-empty, not too long key of printable ASCII without the reserved prefix.
        if ((uint)(key.Length - 1) < (uint)_maxKeyLength
            && !key.AsSpan().ContainsAnyExceptInRange(' ', '~')
            && (key[0] != '_' || !key.StartsWith(ReservedPrefix, StringComparison.Ordinal)))
        {
            return true;
        }

        return IsValidKeySlow(key);
    }

    private bool IsValidKeySlow(string key)
    {
        string? reason = null;
        if (key.Length == 0)
        {
            reason = "empty";
        }
        else if (key.Length > _maxKeyLength)
        {
            reason = "longer than MaximumKeyLength";
        }
        else if (key.AsSpan().ContainsAny(s_forbiddenKeyChars))
        {
            reason = "contains control characters";
        }
        else if (!IsWellFormedUtf16(key))
        {
            reason = "is not well-formed UTF-16 (lone surrogate)";
        }
        else if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            reason = "uses the reserved prefix " + ReservedPrefix;
        }

        if (reason is null)
        {
            return true;
        }

        _metrics.KeyRejected();
        // A rejected key may be hostile: never log it raw, even when keys are otherwise logged.
        Log.KeyRejected(_logger, reason, _options.IncludeKeysInLogs ? Sanitize(key) : "[redacted]");
        return false;
    }

    private static string Sanitize(string key)
    {
        var shortened = key.Length > 128 ? key[..128] + "…" : key;
        return string.Create(shortened.Length, shortened, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }

    private async ValueTask<T> RunUncachedAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>>? plainFactory,
        Func<TState, HybridCacheFactoryContext, CancellationToken, ValueTask<T>>? contextFactory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        CancellationToken cancellationToken)
    {
        _ = key;
        if (plainFactory is not null)
        {
            return await plainFactory(state, cancellationToken).ConfigureAwait(false);
        }

        var settings = ResolveSettings(options);
        var context = new HybridCacheFactoryContext(settings.Expiration, settings.LocalExpiration, NormalizeTags(tags), false, null);
        return await contextFactory!(state, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The longest expiration an entry gets: longer ones (up to <see cref="TimeSpan.MaxValue"/>, for "never") are taken as
    /// this. Far below where expiry stamps, Redis TTLs and DateTimeOffset arithmetic overflow, with room for jitter and
    /// FailSafeMaxDuration on top (both capped by the options validator).
    /// </summary>
    internal static readonly TimeSpan MaxEntryExpiration = TimeSpan.FromDays(3650);

    private EntrySettings ResolveSettings(HybridCacheEntryOptions? options, bool applyJitter = true)
    {
        var expiration = options?.Expiration ?? _defaultExpiration;
        var local = options?.LocalCacheExpiration ?? (options?.Expiration is null ? _defaultLocalExpiration : null) ?? expiration;
        if (expiration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), expiration, "HybridCacheEntryOptions.Expiration must be positive.");
        }

        if (local <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), local, "HybridCacheEntryOptions.LocalCacheExpiration must be positive.");
        }

        // Clamped before any arithmetic: an expiration of TimeSpan.MaxValue ("never") would overflow the expiry stamps
        // (written negative, so every L2 copy read back as expired) and the jitter addition (an OverflowException).
        expiration = expiration > MaxEntryExpiration ? MaxEntryExpiration : expiration;
        local = local > MaxEntryExpiration ? MaxEntryExpiration : local;
        if (applyJitter && _options.ExpirationJitter > TimeSpan.Zero)
        {
            var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _options.ExpirationJitter.Ticks));
            expiration += jitter;
            local += jitter;
        }

        if (local > expiration)
        {
            local = expiration;
        }

        return new EntrySettings(expiration, local, options?.Flags ?? _defaultFlags);
    }

    private static string[] NormalizeTags(IEnumerable<string>? tags)
    {
        if (tags is null)
        {
            return [];
        }

        var list = tags as ICollection<string> ?? tags.ToList();
        if (list.Count == 0)
        {
            return [];
        }

        var result = new List<string>(list.Count);
        foreach (var tag in list)
        {
            ValidateTag(tag, nameof(tags));
            if (!result.Contains(tag, StringComparer.Ordinal))
            {
                result.Add(tag);
            }
        }

        return [.. result];
    }

    private static void ValidateTag(string tag, string parameterName)
    {
        if (string.IsNullOrEmpty(tag))
        {
            throw new ArgumentException("A tag must be a non-empty string.", parameterName);
        }

        if (tag == "*")
        {
            throw new ArgumentException("\"*\" is reserved (RemoveByTagAsync(\"*\") means every entry) and cannot be used as an entry's tag.", parameterName);
        }

        if (tag.AsSpan().ContainsAnyInRange('\0', '\u001F'))
        {
            throw new ArgumentException("A tag must not contain control characters.", parameterName);
        }

        if (!IsWellFormedUtf16(tag))
        {
            throw new ArgumentException("A tag must be well-formed UTF-16 (no lone surrogates).", parameterName);
        }
    }

    // The L2 envelope stores keys and tags as strict UTF-8, which has no form for a lone surrogate.
    private static bool IsWellFormedUtf16(string value) => Utf16.IsWellFormed(value);

    /// <summary>The effective settings of one call.</summary>
    private readonly record struct EntrySettings(TimeSpan Expiration, TimeSpan LocalExpiration, HybridCacheEntryFlags Flags);
}
