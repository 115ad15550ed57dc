using HybridCacheKit.TestUtilities.Factories;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Core;

public sealed class FactoryContextTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task GetOrCreateAsync_Context_StartsWithCallOptionsAndTags()
    {
        await using var host = CacheHost.Create();
        HybridCacheFactoryContext? seen = null;
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(7), LocalCacheExpiration = TimeSpan.FromMinutes(2) };

        await host.Cache.GetOrCreateAsync(Keys.New(), (ctx, _) =>
        {
            seen = ctx;
            return ValueTask.FromResult(1);
        }, options, ["a", "b"]);

        Assert.NotNull(seen);
        Assert.Equal(TimeSpan.FromMinutes(7), seen.Expiration);
        Assert.Equal(TimeSpan.FromMinutes(2), seen.LocalCacheExpiration);
        Assert.Equal(new[] { "a", "b" }, seen.Tags);
        Assert.False(seen.HasStaleValue);
        Assert.False(seen.TryGetStaleValue<int>(out _));
        Assert.False(seen.IsCachingDisabled);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextWithDefaults_ShowsFiveMinutes()
    {
        await using var host = CacheHost.Create();
        HybridCacheFactoryContext? seen = null;

        await host.Cache.GetOrCreateAsync(Keys.New(), (ctx, _) =>
        {
            seen = ctx;
            return ValueTask.FromResult(1);
        });

        Assert.NotNull(seen);
        Assert.Equal(TimeSpan.FromMinutes(5), seen.Expiration);
        Assert.Equal(TimeSpan.FromMinutes(5), seen.LocalCacheExpiration);
        Assert.Empty(seen.Tags);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_ContextShortensExpiration_EntryExpiresEarlier(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var calls = 0;
        ValueTask<int> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            ctx.Expiration = TimeSpan.FromMinutes(1);
            return ValueTask.FromResult(++calls);
        }

        await host.Cache.GetOrCreateAsync<int>(key, Factory);
        host.Time.Advance(TimeSpan.FromMinutes(1) - Second);
        var before = await host.Cache.GetOrCreateAsync<int>(key, Factory);
        host.Time.Advance(2 * Second);
        var after = await host.Cache.GetOrCreateAsync<int>(key, Factory);

        Assert.Equal(1, before);
        Assert.Equal(2, after);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextLengthensExpiration_EntryOutlivesDefault()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var calls = 0;
        ValueTask<int> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            ctx.Expiration = TimeSpan.FromMinutes(30);
            return ValueTask.FromResult(++calls);
        }

        await host.Cache.GetOrCreateAsync<int>(key, Factory);
        host.Time.Advance(TimeSpan.FromMinutes(29));
        var before = await host.Cache.GetOrCreateAsync<int>(key, Factory);
        host.Time.Advance(TimeSpan.FromMinutes(1) + Second);
        var after = await host.Cache.GetOrCreateAsync<int>(key, Factory);

        Assert.Equal(1, before);
        Assert.Equal(2, after);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextShortensLocalExpiration_L2AnswersAfterIt()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        var calls = 0;
        ValueTask<string> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            ctx.LocalCacheExpiration = TimeSpan.FromMinutes(1);
            return ValueTask.FromResult($"v{++calls}");
        }

        await host.Cache.GetOrCreateAsync<string>(key, Factory);
        await host.CreateSibling().SetAsync(key, "replaced in L2");
        var before = await host.Cache.GetOrCreateAsync<string>(key, Factory);
        host.Time.Advance(TimeSpan.FromMinutes(1) + Second);
        var after = await host.Cache.GetOrCreateAsync<string>(key, Factory);

        Assert.Equal("v1", before);
        Assert.Equal("replaced in L2", after);
        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_ContextReplacesTags_NewTagInvalidatesOldDoesNot(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var calls = 0;
        ValueTask<int> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            ctx.Tags.Clear();
            ctx.Tags.Add("chosen-by-factory");
            return ValueTask.FromResult(++calls);
        }

        await host.Cache.GetOrCreateAsync<int>(key, Factory, tags: ["from-call"]);
        await host.Cache.RemoveByTagAsync("from-call");
        var afterOldTag = await host.Cache.GetOrCreateAsync<int>(key, Factory, tags: ["from-call"]);
        await host.Cache.RemoveByTagAsync("chosen-by-factory");
        var afterNewTag = await host.Cache.GetOrCreateAsync<int>(key, Factory, tags: ["from-call"]);

        Assert.Equal(1, afterOldTag);
        Assert.Equal(2, afterNewTag);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextAddsTag_SiblingHonoursIt()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        await host.Cache.GetOrCreateAsync(key, (ctx, _) =>
        {
            ctx.Tags.Add("added");
            return ValueTask.FromResult("value");
        });
        var sibling = host.CreateSibling();

        await host.Cache.RemoveByTagAsync("added");

        Assert.False((await sibling.TryGetAsync<string>(key)).Found);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOrCreateAsync_ContextDoNotCache_ValueReturnedButFactoryRunsAgain(bool withL2)
    {
        await using var host = withL2 ? CacheHost.CreateWithL2() : CacheHost.Create();
        var key = Keys.New();
        var calls = 0;
        ValueTask<int> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            ctx.DoNotCache();
            return ValueTask.FromResult(++calls);
        }

        var first = await host.Cache.GetOrCreateAsync<int>(key, Factory);
        var second = await host.Cache.GetOrCreateAsync<int>(key, Factory);

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.False((await host.Cache.TryGetAsync<int>(key)).Found);
        Assert.True(!withL2 || host.RawL2(key) is null, "DoNotCache must keep the value out of L2.");
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextDeclinesNull_NextCallCachesRealValue()
    {
        await using var host = CacheHost.CreateWithL2();
        var key = Keys.New();
        string? source = null;
        var calls = 0;
        ValueTask<string?> Factory(HybridCacheFactoryContext ctx, CancellationToken ct)
        {
            calls++;
            if (source is null)
            {
                ctx.DoNotCache();
            }

            return ValueTask.FromResult(source);
        }

        var missing = await host.Cache.GetOrCreateAsync<string?>(key, Factory);
        source = "now available";
        var found = await host.Cache.GetOrCreateAsync<string?>(key, Factory);
        var cached = await host.Cache.GetOrCreateAsync<string?>(key, Factory);

        Assert.Null(missing);
        Assert.Equal("now available", found);
        Assert.Equal("now available", cached);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextWithState_PassesStateAndCaches()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        var factory = new CountingFactory<int>(n => n);

        var first = await host.Cache.GetOrCreateAsync<CountingFactory<int>, int>(key, factory, static async (f, ctx, ct) => await f.InvokeAsync(ct) + 100);
        var second = await host.Cache.GetOrCreateAsync<CountingFactory<int>, int>(key, factory, static async (f, ctx, ct) => await f.InvokeAsync(ct) + 100);

        Assert.Equal(101, first);
        Assert.Equal(101, second);
        Assert.Equal(1, factory.Calls);
    }

    [Fact]
    public async Task GetOrCreateAsync_ContextFactoryOnHit_NotInvoked()
    {
        await using var host = CacheHost.Create();
        var key = Keys.New();
        await host.Cache.SetAsync(key, 1);
        var calls = 0;

        var value = await host.Cache.GetOrCreateAsync(key, (_, _) =>
        {
            calls++;
            return ValueTask.FromResult(2);
        });

        Assert.Equal(1, value);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task ContextExtensions_OnForeignHybridCache_ThrowNotSupported()
    {
        HybridCache foreign = new ForeignHybridCache();

        await Assert.ThrowsAsync<NotSupportedException>(async () => await foreign.TryGetAsync<int>("k"));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await foreign.GetOrCreateAsync("k", (_, _) => ValueTask.FromResult(1)));
    }
}
