using HybridCacheKit.TestUtilities.Factories;

namespace HybridCacheKit.Tests.Core;

public sealed class TagValidationTests
{
    public static TheoryData<string> InvalidTagNames => ["Wildcard", "Empty", "Null", "ControlCharacter", "LoneSurrogate"];

    private static string InvalidTag(string name) => name switch
    {
        "Wildcard" => "*",
        "Empty" => string.Empty,
        "Null" => null!,
        "ControlCharacter" => "tag\nwith newline",
        "LoneSurrogate" => "tag\uDC00",
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(InvalidTagNames))]
    public async Task GetOrCreateAsync_InvalidTagOnMiss_ThrowsArgumentExceptionAndCachesNothing(string name)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var factory = new CountingFactory<int>(1);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["valid", InvalidTag(name)]));

        Assert.Equal(0, factory.Calls);
        Assert.Null(host.RawL2(key));
        Assert.False((await host.Cache.TryGetAsync<int>(key)).Found);
    }

    [Theory]
    [MemberData(nameof(InvalidTagNames))]
    public async Task SetAsync_InvalidTag_ThrowsArgumentExceptionAndStoresNothing(string name)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await host.Cache.SetAsync(key, 1, tags: [InvalidTag(name)]));

        Assert.Null(host.RawL2(key));
        Assert.False((await host.Cache.TryGetAsync<int>(key)).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextAddsWildcardTag_ThrowsArgumentException()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await host.Cache.GetOrCreateAsync(key, (ctx, _) =>
        {
            ctx.Tags.Add("*");
            return ValueTask.FromResult(1);
        }));

        Assert.False((await host.Cache.TryGetAsync<int>(key)).Found);
    }

    [Fact]
    public async Task GetOrCreateAsync_DuplicateTags_Accepted()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<int>(n => n);

        await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t", "t"]);
        var hit = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t", "t"]);
        await host.Cache.RemoveByTagAsync("t");
        var afterInvalidation = await host.Cache.GetOrCreateAsync(key, factory.InvokeAsync, tags: ["t"]);

        Assert.Equal(1, hit);
        Assert.Equal(2, afterInvalidation);
    }

    public static TheoryData<string> UnusableTagNames => ["Empty", "ControlCharacter", "LoneSurrogate"];

    [Theory]
    [MemberData(nameof(UnusableTagNames))]
    public async Task RemoveByTagAsync_TagNoEntryCanCarry_ThrowsArgumentException(string name)
    {
        await using var host = CacheHost.CreateWithL2();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await host.Cache.RemoveByTagAsync(InvalidTag(name)));

        Assert.Contains("tag", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(UnusableTagNames))]
    public async Task RemoveByTagAsync_SeveralTagsOneUnusable_InvalidatesNone(string name)
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.SetAsync(key, 1, tags: ["valid"]);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await host.Cache.RemoveByTagAsync(["valid", InvalidTag(name)]));

        Assert.Equal(1, await host.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(2)));
    }
}
