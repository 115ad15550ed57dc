using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using HybridCacheKit.TestUtilities.Factories;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Time;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace HybridCacheKit.TestUtilities.Contracts;

/// <summary>
/// The contract HybridCacheKit keeps with any <see cref="IDistributedCache"/> used as its L2, checked through the public
/// API and the raw bytes of the L2 only: two engine instances (separate service providers, like two servers) share one
/// L2 and must see each other's values, removals and tag invalidations; damaged or foreign bytes are misses that get
/// overwritten; flags, compression and the size limit show in what is (or is not) stored.
/// </summary>
/// <remarks>
/// <para>A backend reruns the suite by deriving from it and implementing <see cref="CreateSharedDistributedCacheAsync"/>.
/// The suite never assumes an in-memory L2: every test uses its own keys and tags (a fresh GUID in each), reads raw state
/// only through the <see cref="IDistributedCache"/> it was given, and does not dispose that cache (the derived class owns it).</para>
/// <para>Both instances of a test share <see cref="Time"/>, a fake clock started at the real current time, so the expiry of
/// their L1 copies is driven by <see cref="FakeTimeProvider.Advance"/> instead of sleeps. The L2's own time-to-live stays
/// on real time (minutes long), which the tests never wait for.</para>
/// <para><c>RemoveByTagAsync("*")</c> writes one record that every entry in the L2 is checked against. A backend whose L2
/// is shared with other tests running at the same time should give each call of
/// <see cref="CreateSharedDistributedCacheAsync"/> its own key space (for example a per-call instance name prefix).</para>
/// </remarks>
public abstract partial class HybridCacheL2ContractTests : IAsyncLifetime
{
    /// <summary>Long enough that L2 entries outlive every test; L1 copies use <see cref="LocalLifetime"/>.</summary>
    protected static readonly TimeSpan EntryLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The L1 lifetime of the entries written with <see cref="ShortLocal"/>.</summary>
    protected static readonly TimeSpan LocalLifetime = TimeSpan.FromMinutes(1);

    private readonly List<ServiceProvider> _providers = [];

    /// <summary>The clock of every engine instance the suite creates.</summary>
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Entry options with a long expiration and a short L1 lifetime.</summary>
    protected static HybridCacheEntryOptions ShortLocal { get; } = new() { Expiration = EntryLifetime, LocalCacheExpiration = LocalLifetime };

    /// <summary>Creates the L2 that the engine instances of one test share. Called once per test.</summary>
    /// <returns>The distributed cache.</returns>
    protected abstract ValueTask<IDistributedCache> CreateSharedDistributedCacheAsync();

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>
    /// Builds an engine instance over <paramref name="l2"/> from a fresh <see cref="ServiceCollection"/>:
    /// <c>AddHybridCacheKit(configure)</c>, the L2 as the <see cref="IDistributedCache"/>, and <see cref="Time"/>.
    /// </summary>
    /// <param name="l2">The shared L2.</param>
    /// <param name="configure">Engine options.</param>
    /// <param name="logs">Receives the instance's logs, when given.</param>
    /// <returns>The instance, resolved as <see cref="HybridCache"/>.</returns>
    protected HybridCache CreateCache(IDistributedCache l2, Action<HybridCacheKitOptions>? configure = null, CapturingLoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit(configure);
        services.AddSingleton(l2);
        services.AddSingleton<TimeProvider>(Time);
        if (logs is not null)
        {
            services.AddLogging(builder => builder.AddProvider(logs));
        }

        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<HybridCache>();
    }

    /// <summary>Creates a shared L2 and two engine instances over it.</summary>
    /// <param name="configure">Options for both instances.</param>
    /// <returns>The two instances and the L2.</returns>
    protected async ValueTask<CachePair> CreatePairAsync(Action<HybridCacheKitOptions>? configure = null)
    {
        var l2 = await CreateSharedDistributedCacheAsync();
        return new CachePair(CreateCache(l2, configure), CreateCache(l2, configure), l2);
    }

    /// <summary>A key no other test uses.</summary>
    /// <param name="scenario">Readable part of the key (the test name by default).</param>
    /// <returns>The key.</returns>
    protected static string NewKey([CallerMemberName] string scenario = "") => $"hck-contract:{scenario}:{Guid.NewGuid():N}";

    /// <summary>A tag no other test uses.</summary>
    /// <param name="scenario">Readable part of the tag (the test name by default).</param>
    /// <returns>The tag.</returns>
    protected static string NewTag([CallerMemberName] string scenario = "") => $"tag:{scenario}:{Guid.NewGuid():N}";

    /// <summary>Entry options with only <paramref name="flags"/> set.</summary>
    /// <param name="flags">The flags.</param>
    /// <returns>The options.</returns>
    protected static HybridCacheEntryOptions With(HybridCacheEntryFlags flags) => new() { Flags = flags };

    /// <summary>Moves the shared clock past the L1 lifetime of <see cref="ShortLocal"/> entries (but not their expiration).</summary>
    protected void ExpireLocalCopies() => Time.Advance(LocalLifetime + TimeSpan.FromSeconds(1));

    [Fact]
    public async Task GetOrCreateAsync_ValueSetByOtherInstance_ReturnsItWithoutFactory()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        await a.SetAsync(key, "from-a");
        var factory = new CountingFactory<string>("from-b");

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("from-a", value);
        Assert.Equal(0, factory.Calls);
        AssertIsEnvelope(await l2.GetAsync(key));
    }

    [Fact]
    public async Task GetOrCreateAsync_ValueCreatedByOtherInstance_ReturnsItWithoutFactory()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var factoryA = new CountingFactory<string>("from-a");
        var factoryB = new CountingFactory<string>("from-b");

        var first = await a.GetOrCreateAsync(key, factoryA.InvokeAsync);
        var second = await b.GetOrCreateAsync(key, factoryB.InvokeAsync);
        var third = await b.GetOrCreateAsync(key, factoryB.InvokeAsync);

        Assert.Equal("from-a", first);
        Assert.Equal("from-a", second);
        Assert.Equal("from-a", third);
        Assert.Equal(1, factoryA.Calls);
        Assert.Equal(0, factoryB.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_ComplexValueFromOtherInstance_RoundTrips()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var original = new ContractWidget { Id = 42, Name = "Grüße 😀", Parts = ["x", "y", string.Empty] };
        await a.SetAsync(key, original);
        var factory = new CountingFactory<ContractWidget>(new ContractWidget());

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.True(original.HasSameContentAs(value));
        Assert.Equal(0, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_NonAsciiKey_SharedAcrossInstances()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey() + ":ключ:ü:😀:\u00A0";
        await a.SetAsync(key, 7);
        var factory = new CountingFactory<int>(-1);

        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(7, value);
        Assert.Equal(0, factory.Calls);
    }

    [Fact]
    public async Task SetAsync_NewValue_OtherInstanceReadsItOnceItsLocalCopyExpires()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>("factory");
        await a.SetAsync(key, "v1", ShortLocal);
        Assert.Equal("v1", await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal));

        await a.SetAsync(key, "v2", ShortLocal);
        var beforeExpiry = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal);
        ExpireLocalCopies();
        var afterExpiry = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal);

        Assert.Equal("v1", beforeExpiry);
        Assert.Equal("v2", afterExpiry);
        Assert.Equal(0, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_L2EntryPastItsExpiration_OtherInstanceRunsFactory()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        await a.SetAsync(key, "old", new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) });
        Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var factory = new CountingFactory<string>("new");

        // The L2's own time-to-live runs on real time and may not have passed: the envelope's expiry decides.
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("new", value);
        Assert.Equal(1, factory.Calls);
        AssertIsEnvelope(await l2.GetAsync(key));
    }

    [Fact]
    public async Task RemoveAsync_OnOneInstance_DeletesTheL2Entry()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        await a.SetAsync(key, "value");
        Assert.NotNull(await l2.GetAsync(key));

        await a.RemoveAsync(key);

        Assert.Null(await l2.GetAsync(key));
        var lookup = await b.TryGetAsync<string>(key);
        Assert.False(lookup.Found);
    }

    [Fact]
    public async Task RemoveAsync_OnOneInstance_OtherInstanceWithoutLocalReadRunsFactory()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>(n => $"b{n}");
        await a.SetAsync(key, "from-a");
        Assert.Equal("from-a", await b.GetOrCreateAsync(key, factory.InvokeAsync));

        await a.RemoveAsync(key);
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, With(HybridCacheEntryFlags.DisableLocalCacheRead));

        Assert.Equal("b1", value);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task RemoveAsync_OnOneInstance_OtherInstanceRunsFactoryOnceItsLocalCopyExpires()
    {
        var (a, b, l2) = await CreatePairAsync();
        var key = NewKey();
        var factory = new CountingFactory<string>(n => $"b{n}");
        await a.SetAsync(key, "from-a", ShortLocal);
        Assert.Equal("from-a", await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal));

        await a.RemoveAsync(key);
        ExpireLocalCopies();
        var value = await b.GetOrCreateAsync(key, factory.InvokeAsync, ShortLocal);

        Assert.Equal("b1", value);
        Assert.Equal(1, factory.Calls);
        var fromA = await a.GetOrCreateAsync(key, new CountingFactory<string>("a-factory").InvokeAsync);
        Assert.Equal("b1", fromA);
        AssertIsEnvelope(await l2.GetAsync(key));
    }

    [Fact]
    public async Task RemoveAsync_ManyKeys_DeletesEachFromL2AndLeavesOthers()
    {
        var (a, b, l2) = await CreatePairAsync();
        string[] removed = [NewKey("one"), NewKey("two"), NewKey("three")];
        var kept = NewKey("kept");
        foreach (var key in removed.Append(kept))
        {
            await a.SetAsync(key, key);
        }

        await a.RemoveAsync(removed);

        foreach (var key in removed)
        {
            Assert.Null(await l2.GetAsync(key));
            Assert.False((await b.TryGetAsync<string>(key)).Found);
        }

        Assert.Equal(kept, (await b.TryGetAsync<string>(kept)).Value);
    }

    [Fact]
    public async Task TryGetAsync_ValueSetByOtherInstance_FoundFromL2()
    {
        var (a, b, _) = await CreatePairAsync();
        var key = NewKey();
        await a.SetAsync(key, "from-a");

        var lookup = await b.TryGetAsync<string>(key);
        var missing = await b.TryGetAsync<string>(NewKey("missing"));

        Assert.True(lookup.Found);
        Assert.Equal("from-a", lookup.Value);
        Assert.False(missing.Found);
        Assert.Null(missing.Value);
    }

    /// <summary>Asserts that <paramref name="raw"/> looks like a HybridCacheKit envelope (marker "HCK", version 1).</summary>
    /// <param name="raw">Bytes read from the L2.</param>
    protected static void AssertIsEnvelope([NotNull] byte[]? raw)
    {
        Assert.NotNull(raw);
        Assert.True(raw.Length >= EnvelopeMinimumLength, $"An envelope has at least {EnvelopeMinimumLength} bytes; got {raw.Length}.");
        Assert.Equal(EnvelopeMarker, raw.AsSpan(0, EnvelopeMarker.Length).ToArray());
        Assert.Equal(EnvelopeVersion, raw[EnvelopeVersionOffset]);
    }

    /// <summary>Two engine instances over one L2.</summary>
    /// <param name="A">The first instance.</param>
    /// <param name="B">The second instance.</param>
    /// <param name="L2">The L2 they share.</param>
    protected sealed record CachePair(HybridCache A, HybridCache B, IDistributedCache L2);
}
