namespace HybridCacheKit.Demo.Tests;

public sealed class HostEndpointTests : IDisposable
{
    private readonly DemoApp _app = new();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task GetHealth_Always_ReturnsOk()
    {
        var body = await _app.CreateClient().GetStringAsync("/health");

        Assert.Equal("ok", body);
    }

    [Fact]
    public async Task GetRoot_Always_ListsEndpointsWithCurlExamples()
    {
        using var response = await _app.CreateClient().GetAsync("/");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        foreach (var endpoint in new[] { "GET    /products/{id}", "GET    /products", "POST   /products/{id}/price", "GET    /catalog", "GET    /session", "DELETE /_cache/tags/{tag}", "DELETE /_cache/all", "GET    /stats", "GET    /health" })
        {
            Assert.Contains(endpoint, body);
        }

        Assert.Contains("curl http://127.0.0.1:5080/products/1", body);
    }
}
