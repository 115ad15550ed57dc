using HybridCacheKit.AspNetCore.Sessions;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

/// <summary>Which calls the per-request wrapper passes on, over a real in-memory distributed cache that counts them.</summary>
public sealed class RequestSessionCacheTests
{
    private static readonly DistributedCacheEntryOptions s_sliding = new() { SlidingExpiration = TimeSpan.FromMinutes(20) };
    private readonly CountingCache _inner = new();

    [Fact]
    public async Task RefreshAsync_AfterGet_Skipped()
    {
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: false);

        _ = await cache.GetAsync("s1");
        await cache.RefreshAsync("s1");

        Assert.Equal("get", _inner.Calls());
    }

    [Fact]
    public async Task RefreshAsync_NothingReadYet_PassedOn()
    {
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: false);

        await cache.RefreshAsync("s1");
        cache.Refresh("s1");

        Assert.Equal("refresh refresh", _inner.Calls());
    }

    [Fact]
    public async Task GetAsync_SecondRead_AnsweredFromFirstAndAfterSetReturnsWrittenValue()
    {
        await _inner.SetAsync("s1", [1], s_sliding);
        _inner.Reset();
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: false);

        Assert.Equal([1], await cache.GetAsync("s1"));
        Assert.Equal([1], cache.Get("s1"));
        await cache.SetAsync("s1", [2], s_sliding);
        Assert.Equal([2], await cache.GetAsync("s1"));

        Assert.Equal("get set", _inner.Calls());
    }

    [Fact]
    public async Task NewSessionKey_ReadsAndRefreshSkippedWritesPassedOn()
    {
        var cache = new RequestSessionCache(_inner, "", "fresh", isNewSessionKey: true);

        Assert.Null(await cache.GetAsync("fresh"));
        await cache.RefreshAsync("fresh");
        await cache.SetAsync("fresh", [7], s_sliding);

        Assert.Equal("set", _inner.Calls());
        Assert.Equal([7], await _inner.GetAsync("fresh"));
    }

    [Fact]
    public async Task RemoveAsync_ThenGet_NoStoredValueAndNoReread()
    {
        await _inner.SetAsync("s1", [1], s_sliding);
        _inner.Reset();
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: false);

        await cache.RemoveAsync("s1");

        Assert.Null(await cache.GetAsync("s1"));
        await cache.RefreshAsync("s1");
        Assert.Equal("remove", _inner.Calls());
    }

    [Fact]
    public async Task OtherKey_AlwaysPassedOn()
    {
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: true);

        _ = await cache.GetAsync("other");
        await cache.RefreshAsync("other");

        Assert.Equal("get refresh", _inner.Calls());
    }

    [Fact]
    public async Task KeyPrefix_AppliedToStoreKeys()
    {
        var cache = new RequestSessionCache(_inner, "session:", "s1", isNewSessionKey: false);

        await cache.SetAsync("s1", [3], s_sliding);

        Assert.Equal([3], await _inner.GetAsync("session:s1"));
        Assert.Null(await _inner.GetAsync("s1"));
    }

    [Fact]
    public async Task GetAsync_InnerThrows_NotRememberedSoRefreshStillRuns()
    {
        _inner.FailGets = true;
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: false);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("s1"));
        _inner.FailGets = false;
        await cache.RefreshAsync("s1");

        Assert.EndsWith("refresh", _inner.Calls(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_SkippedWithCancelledToken_ReportsCancellation()
    {
        var cache = new RequestSessionCache(_inner, "", "s1", isNewSessionKey: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RefreshAsync("s1", new CancellationToken(canceled: true)));
    }

    private sealed class CountingCache : IDistributedCache
    {
        private readonly MemoryDistributedCache _cache = new(Options.Create(new MemoryDistributedCacheOptions()));
        private readonly List<string> _calls = [];

        public bool FailGets { get; set; }

        public string Calls() => string.Join(' ', _calls);

        public void Reset() => _calls.Clear();

        public byte[]? Get(string key) => Record("get", () => _cache.Get(key));

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

        public void Refresh(string key) => Record("refresh", () => { _cache.Refresh(key); return (byte[]?)null; });

        public Task RefreshAsync(string key, CancellationToken token = default)
        {
            Refresh(key);
            return Task.CompletedTask;
        }

        public void Remove(string key) => Record("remove", () => { _cache.Remove(key); return (byte[]?)null; });

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Remove(key);
            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Record("set", () => { _cache.Set(key, value, options); return (byte[]?)null; });

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }

        private byte[]? Record(string call, Func<byte[]?> action)
        {
            _calls.Add(call);
            if (call == "get" && FailGets)
            {
                throw new InvalidOperationException("read failed");
            }

            return action();
        }
    }
}
