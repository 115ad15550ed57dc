using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace HybridCacheKit.Demo.Tests;

/// <summary>
/// The demo app in-process, through its real pipeline (routing, DI, HybridCacheKit over an in-memory L2). Each test
/// makes its own, so the cache, the fake database and the counters start empty.
/// </summary>
public sealed class DemoApp(int databaseDelayMs = 20, double cacheExpirationSeconds = 30) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Demo:DatabaseDelayMs", databaseDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Demo:AdminKey", AdminKey);
        builder.UseSetting("Demo:CacheExpirationSeconds", cacheExpirationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public const string AdminKey = "test-admin-key";

    public async Task<ProductResponse> GetProductAsync(int id)
        => (await CreateClient().GetFromJsonAsync<ProductResponse>($"/products/{id}"))!;

    public async Task<ProductListResponse> GetProductsAsync()
        => (await CreateClient().GetFromJsonAsync<ProductListResponse>("/products"))!;

    public async Task<StatsResponse> GetStatsAsync()
        => (await CreateClient().GetFromJsonAsync<StatsResponse>("/stats"))!;

    public async Task SendAsync(HttpMethod method, string url)
    {
        using var response = await CreateClient().SendAsync(new HttpRequestMessage(method, url));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>An admin call, authorised by the demo's X-Admin-Key header.</summary>
    public async Task AdminAsync(HttpMethod method, string url)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await CreateClient().SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }
}

public sealed record ProductDto(int Id, string Name, decimal Price);

public sealed record ProductResponse(ProductDto Product, DateTimeOffset GeneratedAt, string Source, int DatabaseQueries);

public sealed record ProductListResponse(List<ProductDto> Products, DateTimeOffset GeneratedAt, string Source, int DatabaseQueries);

public sealed record CacheCounters(long L1Hits, long L1Misses, long L2Hits, long L2Misses, long FactoryRuns, long StampedeJoins, long StaleServed, long TagInvalidations);

public sealed record StatsResponse(CacheCounters Cache, int DatabaseQueries);
