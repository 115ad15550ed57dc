using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class KeyValidationTests
{
    private const int EventIdKeyRejected = 1001;

    // Named so that test names stay printable; the keys themselves hold control characters.
    public static TheoryData<string> HostileKeyNames => ["TooLong", "Nul", "CrLf", "Escape", "Delete", "LoneSurrogate", "ReservedPrefix", "TagRecordKey"];

    private static string HostileKey(string name) => name switch
    {
        "TooLong" => "victim:" + new string('k', 1025 - 7),
        "Nul" => "victim:\0:x",
        "CrLf" => "victim:\r\nFAKE LOG LINE",
        "Escape" => "victim:\u001b[31mred",
        "Delete" => "victim:\u007f",
        "LoneSurrogate" => "victim:\uD800x",
        "ReservedPrefix" => "__hck:victim",
        "TagRecordKey" => "__hck:tag:victim",
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(HostileKeyNames))]
    public async Task GetOrCreateAsync_RejectedKey_RunsFactoryEveryTimeAndStoresNothing(string name)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = HostileKey(name);
        var factory = new CountingFactory<string>(n => $"v{n}");

        var first = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal("v1", first);
        Assert.Equal("v2", second);
        Assert.Equal(2, factory.Calls);
        Assert.Null(host.RawL2(key));
        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
    }

    [Theory]
    [MemberData(nameof(HostileKeyNames))]
    public async Task GetOrCreateAsync_RejectedKey_LogsWarningWithoutTheKey(string name)
    {
        await using var host = CacheHost.Create();
        var key = HostileKey(name);

        await host.Cache.GetOrCreateAsync(key, new CountingFactory<int>(1).InvokeAsync);

        var entry = Assert.Single(host.Logs.WithEventId(EventIdKeyRejected));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, entry.Level);
        Assert.DoesNotContain(key, entry.FullText, StringComparison.Ordinal);
        Assert.DoesNotContain("victim", entry.FullText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileKeyNames))]
    public async Task GetOrCreateAsync_RejectedKeyWithKeysInLogs_LogsSanitizedKey(string name)
    {
        await using var host = CacheHost.Create(o => o.IncludeKeysInLogs = true);
        var key = HostileKey(name);

        await host.Cache.GetOrCreateAsync(key, new CountingFactory<int>(1).InvokeAsync);

        var entry = Assert.Single(host.Logs.WithEventId(EventIdKeyRejected));
        Assert.False(entry.Message.Any(char.IsControl), "The logged key still holds control characters.");
        Assert.True(entry.Message.Length < 400, $"The log line should carry at most 128 characters of the key; it has {entry.Message.Length}.");
    }

    [Fact]
    public async Task GetOrCreateAsync_EmptyKey_BypassesCacheAndLogs()
    {
        await using var host = CacheHost.CreateWithL2();
        var factory = new CountingFactory<int>(n => n);

        var first = await host.Cache.GetOrCreateAsync(string.Empty, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(string.Empty, factory.InvokeAsync);

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Null(host.RawL2(string.Empty));
        Assert.Equal(2, host.Logs.WithEventId(EventIdKeyRejected).Count);
    }

    [Fact]
    public async Task GetOrCreateAsync_KeyOfMaximumLength_IsCached()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New() + ":";
        key += new string('k', 1024 - key.Length);
        var factory = new CountingFactory<int>(n => n);

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1024, key.Length);
        Assert.Equal(1, second);
        Assert.NotNull(host.RawL2(key));
        Assert.Empty(host.Logs.WithEventId(EventIdKeyRejected));
    }

    [Fact]
    public async Task GetOrCreateAsync_KeyWithSurrogatePair_IsCached()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New() + ":😀";
        var factory = new CountingFactory<int>(n => n);

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);
        var second = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync);

        Assert.Equal(1, second);
        Assert.NotNull(host.RawL2(key));
    }

    [Fact]
    public async Task GetOrCreateAsync_KeyOverConfiguredMaximumLength_Bypasses()
    {
        await using var host = CacheHost.Create(o => o.MaximumKeyLength = 16);
        var factory = new CountingFactory<int>(n => n);

        await host.Cache.GetOrCreateAsync(new string('k', 16), factory.InvokeAsync);
        await host.Cache.GetOrCreateAsync(new string('k', 16), factory.InvokeAsync);
        await host.Cache.GetOrCreateAsync(new string('k', 17), factory.InvokeAsync);
        await host.Cache.GetOrCreateAsync(new string('k', 17), factory.InvokeAsync);

        Assert.Equal(3, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_RejectedKeyWithContextFactory_RunsFactoryWithCallOptions()
    {
        await using var host = CacheHost.Create();
        HybridCacheFactoryContext? seen = null;
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(3) };

        var value = await host.Cache.GetOrCreateAsync("__hck:x", (ctx, _) =>
        {
            seen = ctx;
            return ValueTask.FromResult(5);
        }, options, ["t"]);

        Assert.Equal(5, value);
        Assert.NotNull(seen);
        Assert.Equal(TimeSpan.FromMinutes(3), seen.Expiration);
        Assert.Equal(new[] { "t" }, seen.Tags);
    }

    [Theory]
    [MemberData(nameof(HostileKeyNames))]
    public async Task SetAsync_RejectedKey_StoresNothing(string name)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = HostileKey(name);

        await host.Cache.SetAsync(key, "value");
        await host.Cache.RemoveAsync(key);

        Assert.Null(host.RawL2(key));
        Assert.False((await host.Cache.TryGetAsync<string>(key)).Found);
        Assert.Equal(3, host.Logs.WithEventId(EventIdKeyRejected).Count);
    }

    [Fact]
    public async Task RemoveAsync_ReservedTagRecordKey_DoesNotTouchTagRecord()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, "old", tags: ["t"]);
        await host.Cache.RemoveByTagAsync("t");
        var record = host.RawL2("__hck:tag:t");

        await host.Cache.RemoveAsync("__hck:tag:t");
        await host.Cache.SetAsync("__hck:tag:t", "forged");

        Assert.NotNull(record);
        Assert.Equal(record, host.RawL2("__hck:tag:t"));
        Assert.False((await host.CreateSibling().TryGetAsync<string>(key)).Found);
    }

    [Fact]
    public async Task AllMethods_NullKey_ThrowArgumentNullException()
    {
        await using var host = CacheHost.Create();
        var factory = new CountingFactory<int>(1);

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.GetOrCreateAsync(null!, factory.InvokeAsync));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.GetOrCreateAsync(null!, 1, (s, _) => ValueTask.FromResult(s)));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.GetOrCreateAsync<int>(null!, (_, _) => ValueTask.FromResult(1)));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.SetAsync(null!, 1));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.RemoveAsync((string)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.RemoveAsync((IEnumerable<string>)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await host.Cache.TryGetAsync<int>(null!));
        Assert.Equal(0, factory.Calls);
    }
}
