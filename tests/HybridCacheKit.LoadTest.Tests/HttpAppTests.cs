using System.Net;
using System.Text;
using System.Text.Json;
using HybridCacheKit.LoadTest.Cli;
using HybridCacheKit.LoadTest.Http;
using HybridCacheKit.LoadTest.Workload;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.LoadTest.Tests;

/// <summary>The HTTP mode's Kestrel app on loopback over the real Redis: a write carries its value, which is what is cached.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class HttpAppTests(RedisServerFixture redis)
{
    /// <summary>The app answers with ASP.NET Core's web defaults (camelCase).</summary>
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web) { TypeInfoResolver = ProductJsonContext.Default };

    [Fact]
    public async Task PostItem_WithAJsonBody_StoresThePostedValueAndHelloDeserializesTheSameBody()
    {
        var port = TestPorts.GetFreeTcpPort();
        await using var app = HttpApp.Build(LoadTestOptions.Parse(["--keys", "100", "--engine-backplane", "off"]), redis.ConfigurationString, port);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var posted = new SimulatedDatabase(880, TimeSpan.Zero).Create(5, 77) with { Description = "posted by the client" };
        var body = JsonSerializer.Serialize(posted, ProductJsonContext.Default.Product);

        using (var response = await http.PostAsync("/items/5", Json(body)))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var read = JsonSerializer.Deserialize<Product>(await http.GetStringAsync("/items/5"), s_web);
        Assert.Equal(posted, read);

        using (var wrongId = await http.PostAsync("/items/6", Json(body)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongId.StatusCode);
        }

        using (var hello = await http.PostAsync("/hello/5", Json(body)))
        {
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
            Assert.Equal("Hello World!", await hello.Content.ReadAsStringAsync());
        }

        using (var garbage = await http.PostAsync("/hello/5", Json("not json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        }

        using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("postedItems").GetInt64());
        Assert.Equal(1, stats.RootElement.GetProperty("postedHello").GetInt64());
        await app.StopAsync();

        static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
    }
}
