using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>The minimal-API endpoints the middleware tests call. <c>?status=N</c> makes an endpoint answer N.</summary>
internal static class MinimalApiEndpoints
{
    public static readonly string[] AllMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

    public static void Map(WebApplication app)
    {
        app.MapMethods("/attr/products/{id}", AllMethods, [InvalidatesTags("products", "product:{id}")] (string id, int? status) => Respond(id, status));
        app.MapMethods("/conv/products/{id}", AllMethods, (string id, int? status) => Respond(id, status)).InvalidatesTags("products", "product:{id}");

        var group = app.MapGroup("/group").InvalidatesTags("group");
        group.MapPost("/items/{id}", (string id, int? status) => Respond(id, status)).InvalidatesTags("item:{id}");

        app.MapPut("/raw/{id}", [InvalidatesTags("{id}")] (string id) => Results.Ok());
        app.MapPut("/missing/{id}", (string id) => Results.Ok()).InvalidatesTags("products", "category:{category}");
        app.MapPost("/reset", [InvalidatesTags("*")] () => Results.NoContent());
        app.MapPut("/throws/{id}", [InvalidatesTags("product:{id}")] string (string id) => throw new InvalidOperationException("The endpoint failed."));
        app.MapPut("/stream/{id}", [InvalidatesTags("product:{id}")] async (HttpContext context, string id, Gate gate) =>
        {
            await context.Response.WriteAsync("first;");
            await context.Response.Body.FlushAsync();
            await gate.Opened.Task;
            await context.Response.WriteAsync("rest");
        });
    }

    public static void AddServices(IServiceCollection services) => services.AddSingleton<Gate>();

    private static IResult Respond(string id, int? status) => status switch
    {
        null => Results.Ok(new { id }),
        302 => Results.Redirect("/elsewhere"),
        _ => Results.StatusCode(status.Value),
    };

    /// <summary>Holds the streaming endpoint between its first and last write.</summary>
    public sealed class Gate
    {
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
