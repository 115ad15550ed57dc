using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HybridCacheKit.AspNetCore.Tests.ResponseCaching;

/// <summary>[Cached] on the controller: every action is cached unless it says otherwise.</summary>
[Cached(Duration = 30, Tags = ["mvc"])]
[Route("mvc/cached")]
public sealed class CachedController(CallCounter calls) : ControllerBase
{
    [HttpGet("inherited")]
    public string Inherited() => $"inherited {calls.Next("mvc-inherited")}";

    [HttpGet("off")]
    [Cached(NoStore = true)]
    public string Off() => $"off {calls.Next("mvc-off")}";

    [HttpGet("named")]
    [Cached(PolicyName = "by-lang")]
    public string Named([FromQuery] string? lang) => $"named {lang} {calls.Next("mvc-named")}";

    [HttpGet("product/{id}")]
    [Cached(Tags = ["product:{id}"])]
    public string Product(int id) => $"product {id} {calls.Next($"mvc-product-{id}")}";
}

/// <summary>[Cached] on single actions only.</summary>
[Route("mvc/plain")]
public sealed class PlainController(CallCounter calls) : ControllerBase
{
    [HttpGet("action")]
    [Cached]
    public IActionResult Action() => Content($"action {calls.Next("mvc-action")}", "text/plain");

    [HttpGet("none")]
    public string None() => $"none {calls.Next("mvc-none")}";

    [HttpGet("json")]
    [Cached]
    public object Json() => new { run = calls.Next("mvc-json"), name = "widget" };

    [HttpGet("secret")]
    [Authorize]
    [Cached]
    public string Secret() => $"secret {User.Identity?.Name} {calls.Next("mvc-secret")}";

    [HttpGet("mine")]
    [Authorize]
    [Cached(VaryByUser = true)]
    public string Mine() => $"mine {User.Identity?.Name} {calls.Next("mvc-mine")}";
}
