using HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation;

/// <summary>Templates are parsed once, at start-up: a malformed one stops the application with a message naming it.</summary>
public sealed class InvalidatesTagsStartupTests
{
    [Theory]
    [InlineData("product:{id")]
    [InlineData("product:id}")]
    [InlineData("product:{}")]
    [InlineData("product:{id:int}")]
    [InlineData("files:{**path}")]
    public async Task MalformedAttributeOnMinimalApi_ApplicationFailsToStart_NamingTemplateAndEndpoint(string template)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InvalidationTestApp.StartAsync(
            null,
            app => app.MapPut("/broken/{id}", HandlerWith(template)).WithDisplayName("broken endpoint")));

        Assert.Contains(template, error.Message);
        Assert.Contains("broken endpoint", error.Message);
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    // Attribute arguments must be constants, hence one handler per template.
    private static Delegate HandlerWith(string template) => template switch
    {
        "product:{id" => [InvalidatesTags("products", "product:{id")] (string id) => Results.Ok(),
        "product:id}" => [InvalidatesTags("products", "product:id}")] (string id) => Results.Ok(),
        "product:{}" => [InvalidatesTags("products", "product:{}")] (string id) => Results.Ok(),
        "product:{id:int}" => [InvalidatesTags("products", "product:{id:int}")] (string id) => Results.Ok(),
        "files:{**path}" => [InvalidatesTags("products", "files:{**path}")] (string id) => Results.Ok(),
        _ => throw new ArgumentOutOfRangeException(nameof(template)),
    };

    [Fact]
    public async Task EmptyAttribute_ApplicationFailsToStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InvalidationTestApp.StartAsync(
            null,
            app => app.MapPut("/broken", [InvalidatesTags] () => Results.Ok()).WithDisplayName("empty endpoint")));

        Assert.Contains("at least one tag", error.Message);
        Assert.Contains("empty endpoint", error.Message);
    }

    [Theory]
    [InlineData("product:{id")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a\nb")]
    public async Task MalformedConvention_ThrowsWhereItIsDeclared(string template)
    {
        var declared = false;
        var error = await Assert.ThrowsAsync<ArgumentException>(() => InvalidationTestApp.StartAsync(
            null,
            app =>
            {
                var endpoint = app.MapPut("/broken/{id}", (string id) => Results.Ok());
                try
                {
                    endpoint.InvalidatesTags("products", template);
                }
                finally
                {
                    declared = true;
                }
            }));

        Assert.True(declared);
        if (template.Trim().Length > 0 && !template.Contains('\n'))
        {
            Assert.Contains(template, error.Message);
        }
    }

    [Fact]
    public void Attribute_KeepsTemplatesAsWritten()
    {
        var attribute = new InvalidatesTagsAttribute("products", "product:{id}");

        Assert.Equal(["products", "product:{id}"], attribute.Tags);
    }
}
