using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>The admin endpoints' inputs, as an authorised but careless or hostile caller sends them.</summary>
public sealed class AdminEndpointInputTests
{
    private static async Task<InvalidationTestApp> StartAsync(Action<CacheInvalidationEndpointOptions>? configure = null, bool includeKeysInLogs = false)
    {
        var app = await InvalidationTestApp.StartAsync(
            b =>
            {
                b.Services.AddDistributedMemoryCache();
                b.Services.AddHybridCacheKit(o => o.IncludeKeysInLogs = includeKeysInLogs);
                RecordingHybridCache.Install(b.Services);
            },
            a => a.MapCacheInvalidation("/_cache", o =>
            {
                o.AuthorizationPolicy = TestAuthHandler.AdminPolicy;
                configure?.Invoke(o);
            }));
        app.Client.DefaultRequestHeaders.Add(TestAuthHandler.UserHeader, "alice");
        app.Client.DefaultRequestHeaders.Add(TestAuthHandler.RolesHeader, TestAuthHandler.AdminRole);
        return app;
    }

    private static RecordingHybridCache Recorder(InvalidationTestApp app) => app.Services.GetRequiredService<RecordingHybridCache>();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected, string? reason = null)
    {
        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (reason is not null)
        {
            Assert.Contains(reason, body);
        }
    }

    [Fact]
    public async Task PostTags_JsonBody_EvictsEveryTag()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "a", "t1");
        await CacheProbe.SeedAsync(app.Cache, "b", "t2");
        await CacheProbe.SeedAsync(app.Cache, "c", "t3");

        using var response = await app.Client.PostAsync("/_cache/tags", Json("""{"tags": ["t1", "t2", "t1"]}"""));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["t1", "t2"], Recorder(app).Tags);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "a", "t1"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "b", "t2"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "c", "t3"));
    }

    [Fact]
    public async Task DeleteKey_AndPostKeys_RemoveThoseKeys_KeysMayHoldSlashes()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "product/42");
        await CacheProbe.SeedAsync(app.Cache, "k1");
        await CacheProbe.SeedAsync(app.Cache, "k2");
        await CacheProbe.SeedAsync(app.Cache, "k3");

        using (var single = await app.Client.DeleteAsync("/_cache/keys/product/42"))
        {
            Assert.Equal(HttpStatusCode.NoContent, single.StatusCode);
        }

        using var batch = await app.Client.PostAsync("/_cache/keys", Json("""{"keys": ["k1", "k2"]}"""));

        Assert.Equal(HttpStatusCode.NoContent, batch.StatusCode);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "product/42"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "k1"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "k2"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "k3"));
    }

    [Theory]
    [InlineData("/_cache/tags/*")]
    [InlineData("/_cache/tags/%2A")]
    [InlineData("/_cache/tags/%2a")]
    public async Task DeleteTagStar_400_NothingCleared(string path)
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "a", "t1");
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.DeleteAsync(path);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "clear everything explicitly");
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "a", "t1"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
    }

    [Fact]
    public async Task PostTagsWithStar_400_NoTagOfTheRequestInvalidated()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "a", "t1");
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.PostAsync("/_cache/tags", Json("""{"tags": ["t1", "*"]}"""));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "item 2");
        Assert.Empty(Recorder(app).TagCalls);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "a", "t1"));
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
    }

    [Fact]
    public async Task ClearAll_NotMappedByDefault_404()
    {
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.DeleteAsync("/_cache/all");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
    }

    [Fact]
    public async Task ClearAll_WhenAllowed_ClearsEverything()
    {
        await using var app = await StartAsync(o => o.AllowClearAll = true);
        await CacheProbe.SeedAsync(app.Cache, "a", "t1");
        await CacheProbe.SeedAsync(app.Cache, "untagged");

        using var response = await app.Client.DeleteAsync("/_cache/all");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "a", "t1"));
        Assert.False(await CacheProbe.IsCachedAsync(app.Cache, "untagged"));
        Assert.Single(app.Logs.WithEventId(3210));
    }

    [Theory]
    [InlineData("/_cache/tags/a%0Ab", "control character")]
    [InlineData("/_cache/tags/a%09b", "control character")]
    [InlineData("/_cache/tags/a%C2%9Bb", "control character")]
    [InlineData("/_cache/keys/k%0D%0AInjected: 1", "control character")]
    [InlineData("/_cache/keys/__hck:tag:t1", "reserved prefix")]
    public async Task DeleteWithInvalidValue_400(string path, string reason)
    {
        await using var app = await StartAsync();

        using var response = await app.Client.DeleteAsync(path);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, reason);
        Assert.Empty(Recorder(app).TagCalls);
        Assert.Empty(Recorder(app).KeyCalls);
    }

    [Fact]
    public async Task ReservedKey_CannotUndoAnInvalidation()
    {
        // The tag record lives in L2 under the engine's reserved prefix; deleting it would resurrect invalidated entries.
        await using var app = await StartAsync();
        await CacheProbe.SeedAsync(app.Cache, "a", "t1");
        using (var invalidate = await app.Client.DeleteAsync("/_cache/tags/t1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, invalidate.StatusCode);
        }

        using var response = await app.Client.PostAsync("/_cache/keys", Json("""{"keys": ["__hck:tag:t1"]}"""));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "reserved prefix");
        Assert.Empty(Recorder(app).KeyCalls);
    }

    [Fact]
    public async Task TagAndKeyLengths_LimitAccepted_OneMoreRefused()
    {
        await using var app = await StartAsync(o =>
        {
            o.MaxTagLength = 40;
            o.MaxKeyLength = 50;
        });

        using (var tagAtLimit = await app.Client.DeleteAsync("/_cache/tags/" + new string('t', 40)))
        {
            Assert.Equal(HttpStatusCode.NoContent, tagAtLimit.StatusCode);
        }

        using (var tagOver = await app.Client.DeleteAsync("/_cache/tags/" + new string('t', 41)))
        {
            await AssertRefusedAsync(tagOver, HttpStatusCode.BadRequest, "longer than 40");
        }

        using (var keyAtLimit = await app.Client.PostAsync("/_cache/keys", Json($$"""{"keys": ["{{new string('k', 50)}}"]}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, keyAtLimit.StatusCode);
        }

        using var keyOver = await app.Client.PostAsync("/_cache/keys", Json($$"""{"keys": ["{{new string('k', 51)}}"]}"""));
        await AssertRefusedAsync(keyOver, HttpStatusCode.BadRequest, "longer than 50");
        Assert.Single(Recorder(app).TagCalls);
        Assert.Single(Recorder(app).KeyCalls);
    }

    [Fact]
    public async Task DefaultTagLimit_Is256()
    {
        await using var app = await StartAsync();

        using var over = await app.Client.DeleteAsync("/_cache/tags/" + new string('t', 257));

        await AssertRefusedAsync(over, HttpStatusCode.BadRequest, "longer than 256");
    }

    [Fact]
    public async Task TooManyItems_400_NothingInvalidated()
    {
        await using var app = await StartAsync(o => o.MaxItemsPerRequest = 3);
        var tags = string.Join(", ", Enumerable.Range(0, 4).Select(i => $"\"t{i}\""));

        using var response = await app.Client.PostAsync("/_cache/tags", Json($$"""{"tags": [{{tags}}]}"""));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "more than 3 items");
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Fact]
    public async Task BodyLargerThanLimit_WithContentLength_413()
    {
        await using var app = await StartAsync(o => o.MaxRequestBodyBytes = 100);
        var json = $$"""{"tags": ["{{new string('t', 200)}}"]}""";

        using var response = await app.Client.PostAsync("/_cache/tags", Json(json));

        await AssertRefusedAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 100 bytes");
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Fact]
    public async Task BodyLargerThanLimit_ChunkedWithoutContentLength_413()
    {
        await using var app = await StartAsync(o => o.MaxRequestBodyBytes = 100);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"tags": ["{{new string('t', 5000)}}"]}""")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_cache/tags") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await app.Client.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task NonJsonBody_415(string mediaType)
    {
        await using var app = await StartAsync();
        var content = new StringContent("""{"tags": ["t1"]}""", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);

        using var response = await app.Client.PostAsync("/_cache/tags", content);

        await AssertRefusedAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""["t1"]""")]
    [InlineData("""{"tags": "t1"}""")]
    [InlineData("""{"tags": [1]}""")]
    [InlineData("""{"tags": [["t1"]]}""")]
    [InlineData("""{"tags": []}""")]
    [InlineData("""{"tags": null}""")]
    [InlineData("""{"keys": ["t1"]}""")]
    [InlineData("""{"tags": ["t1"], "more": 1}""")]
    [InlineData("""{"tags": ["t1"]} {"tags": ["t2"]}""")]
    [InlineData("""{"tags": ["t1"]""")]
    [InlineData("""{"tags": ["a\u0000b"]}""")]
    [InlineData("""{"tags": ["a\ud800b"]}""")]
    [InlineData("""{"tags": [""]}""")]
    public async Task MalformedOrInvalidBody_400_NothingInvalidated(string json)
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PostAsync("/_cache/tags", Json(json));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Fact]
    public async Task RefusalResponse_NeverEchoesTheValue()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PostAsync("/_cache/tags", Json("""{"tags": ["<script>alert(1)</script>\u0001"]}"""));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("script", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongMethod_405()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.PostAsync("/_cache/tags/t1", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Empty(Recorder(app).TagCalls);
    }

    [Fact]
    public async Task Logs_CountButNeverNameTagsOrKeys_ByDefault()
    {
        await using var app = await StartAsync();

        using (var tags = await app.Client.PostAsync("/_cache/tags", Json("""{"tags": ["tenant-secret-1", "tenant-secret-2"]}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, tags.StatusCode);
        }

        using (var key = await app.Client.DeleteAsync("/_cache/keys/tenant-secret-key"))
        {
            Assert.Equal(HttpStatusCode.NoContent, key.StatusCode);
        }

        using (var refused = await app.Client.DeleteAsync("/_cache/keys/__hck:tenant-secret-3"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Contains("2 tag(s)", Assert.Single(app.Logs.WithEventId(3208)).Message);
        Assert.Single(app.Logs.WithEventId(3209));
        Assert.Single(app.Logs.WithEventId(3211));
        Assert.DoesNotContain(
            app.Logs.Entries,
            e => e.Category.StartsWith("HybridCacheKit", StringComparison.Ordinal) && e.FullText.Contains("tenant-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_NameTags_WhenEngineIncludesKeysInLogs_ButNeverRefusedValues()
    {
        await using var app = await StartAsync(includeKeysInLogs: true);

        using (var tags = await app.Client.PostAsync("/_cache/tags", Json("""{"tags": ["visible-tag"]}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, tags.StatusCode);
        }

        using (var refused = await app.Client.DeleteAsync("/_cache/keys/__hck:refused-value"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Assert.Contains("visible-tag", Assert.Single(app.Logs.WithEventId(3208)).FullText);
        Assert.DoesNotContain(
            app.Logs.Entries,
            e => e.Category.StartsWith("HybridCacheKit", StringComparison.Ordinal) && e.FullText.Contains("refused-value", StringComparison.Ordinal));
    }
}
