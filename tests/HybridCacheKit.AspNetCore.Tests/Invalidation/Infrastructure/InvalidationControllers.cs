using Microsoft.AspNetCore.Mvc;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>An MVC controller with [InvalidatesTags] on the class (every write) and on actions (their own tags).</summary>
[ApiController]
[Route("mvc/products")]
[InvalidatesTags("products")]
public sealed class InvalidationProductsController : ControllerBase
{
    [HttpGet("{id}")]
    public IActionResult Get(string id) => Ok(new { id });

    [HttpPut("{id}")]
    [InvalidatesTags("product:{id}")]
    public IActionResult Put(string id, [FromQuery] int? status) => status is null ? Ok(new { id }) : StatusCode(status.Value);

    [HttpPatch("{id}/price")]
    [InvalidatesTags("product:{id}", "prices")]
    public IActionResult PatchPrice(string id) => NoContent();

    [HttpDelete("{id}")]
    public IActionResult Delete(string id) => NoContent();

    [HttpPost("{id}/fail")]
    [InvalidatesTags("product:{id}")]
    public IActionResult Fail(string id) => Conflict(new { id });
}

/// <summary>A controller whose template is malformed: the application must not start.</summary>
[ApiController]
[Route("mvc/broken")]
public sealed class InvalidationBrokenController : ControllerBase
{
    [HttpPut("{id}")]
    [InvalidatesTags("product:{id")]
    public IActionResult Put(string id) => Ok(id);
}
