using HybridCacheKit.AspNetCore;
using Microsoft.AspNetCore.Mvc;

namespace HybridCacheKit.MvcSample.Controllers;

/// <summary>Products: reads are cached whole (status, headers, body, ETag); writes invalidate them on every node.</summary>
[ApiController]
[Route("products")]
public sealed class ProductsController(ProductStore store) : ControllerBase
{
    /// <summary>The catalog, under the named policy "catalog" (5 minutes, tag "products").</summary>
    [HttpGet]
    [Cached(PolicyName = "catalog")]
    public IReadOnlyList<Product> List() => store.All();

    /// <summary>One product, cached 60 s and tagged with its id.</summary>
    [HttpGet("{id:int}")]
    [Cached(Duration = 60, Tags = ["products", "product:{id}"])]
    public ActionResult<Product> Get(int id) => store.Find(id) is { } product ? product : NotFound();

    /// <summary>Changes a price; after the 2xx response the product and the catalog are evicted everywhere.</summary>
    [HttpPut("{id:int}/price")]
    [InvalidatesTags("product:{id}", "products")]
    public IActionResult SetPrice(int id, [FromQuery] decimal value)
        => value <= 0 ? BadRequest() : store.SetPrice(id, value) ? NoContent() : NotFound();

    /// <summary>How many times the store was read (not cached).</summary>
    [HttpGet("/store/reads")]
    [Cached(NoStore = true)]
    public int Reads() => store.Reads;
}
