using HybridCacheKit.AspNetCore.Internal;
using Microsoft.AspNetCore.Routing;

namespace HybridCacheKit.AspNetCore.Tests.TagTemplates;

public sealed class TagTemplateSetTests
{
    [Fact]
    public void Parse_NullOrEmpty_IsEmpty()
    {
        Assert.Same(TagTemplateSet.Empty, TagTemplateSet.Parse(null));
        Assert.Same(TagTemplateSet.Empty, TagTemplateSet.Parse([]));
        Assert.Empty(TagTemplateSet.Empty.Resolve(null, out var refused));
        Assert.Equal(0, refused);
    }

    [Fact]
    public void Parse_RemovesDuplicates()
    {
        Assert.Equal(2, TagTemplateSet.Parse(["a", "b", "a"]).Count);
    }

    [Fact]
    public void Resolve_LiteralsOnly_SameArrayEveryTime()
    {
        var set = TagTemplateSet.Parse(["a", "b"]);

        var first = set.Resolve(null, out _);
        var second = set.Resolve(new RouteValueDictionary { ["id"] = "1" }, out _);

        Assert.Equal(["a", "b"], first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Resolve_CountsRefused_KeepsTheRest_RemovesDuplicateResults()
    {
        var set = TagTemplateSet.Parse(["products", "product:{id}", "{id}", "product:{id}", "category:{category}", "x:{other}"]);

        var tags = set.Resolve(new RouteValueDictionary { ["id"] = "*", ["other"] = "*" }, out var refused);

        Assert.Equal(["products", "product:*", "x:*"], tags);
        Assert.Equal(2, refused);
    }

    [Fact]
    public void Parse_Malformed_Throws()
    {
        Assert.Throws<ArgumentException>(() => TagTemplateSet.Parse(["ok", "bad{"]));
    }
}
