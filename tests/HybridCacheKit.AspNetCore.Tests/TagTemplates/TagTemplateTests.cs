using HybridCacheKit.AspNetCore.Internal;
using Microsoft.AspNetCore.Routing;

namespace HybridCacheKit.AspNetCore.Tests.TagTemplates;

public sealed class TagTemplateTests
{
    private static RouteValueDictionary Values(params (string Name, object? Value)[] values)
    {
        var dictionary = new RouteValueDictionary();
        foreach (var (name, value) in values)
        {
            dictionary[name] = value;
        }

        return dictionary;
    }

    [Theory]
    [InlineData("products", "products")]
    [InlineData("product:{id}", "product:42")]
    [InlineData("{id}", "42")]
    [InlineData("{id}:{id}", "42:42")]
    [InlineData("tenant:{tenant}:product:{id}", "tenant:acme:product:42")]
    [InlineData("product:{ id }", "product:42")]
    [InlineData("literal:{{id}}", "literal:{id}")]
    [InlineData("a{{{id}}}b", "a{42}b")]
    public void Resolve_FillsPlaceholders(string template, string expected)
    {
        var tag = TagTemplate.Parse(template).Resolve(Values(("id", "42"), ("tenant", "acme")));

        Assert.Equal(expected, tag);
    }

    [Fact]
    public void Resolve_NonStringRouteValue_UsesInvariantCulture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Equal("price:1.5", TagTemplate.Parse("price:{p}").Resolve(Values(("p", 1.5m))));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Fact]
    public void IsLiteral_OnlyWithoutPlaceholders()
    {
        Assert.True(TagTemplate.Parse("products").IsLiteral);
        Assert.True(TagTemplate.Parse("a{{b}}").IsLiteral);
        Assert.False(TagTemplate.Parse("p:{id}").IsLiteral);
        Assert.Equal("a{b}", TagTemplate.Parse("a{{b}}").Resolve(null));
    }

    [Theory]
    [InlineData("product:{id", "unclosed")]
    [InlineData("product:id}", "unmatched")]
    [InlineData("product:{}", "empty or malformed")]
    [InlineData("product:{ }", "empty or malformed")]
    [InlineData("product:{a{b}", "empty or malformed")]
    [InlineData("product:{id:int}", "without a constraint")]
    [InlineData("product:{id?}", "without a constraint")]
    [InlineData("product:{id=5}", "without a constraint")]
    [InlineData("files:{*path}", "without a constraint")]
    [InlineData("files:{**path}", "without a constraint")]
    [InlineData("files:{a/b}", "without a constraint")]
    [InlineData("a\tb", "control character")]
    public void Parse_Malformed_ThrowsNamingTheTemplate(string template, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => TagTemplate.Parse(template));

        Assert.Contains(reason, error.Message);
        if (!template.Contains('\t'))
        {
            Assert.Contains($"'{template}'", error.Message);
        }
        else
        {
            Assert.Contains("a\\u0009b", error.Message);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Blank_Throws(string template)
    {
        Assert.Throws<ArgumentException>(() => TagTemplate.Parse(template));
    }

    [Fact]
    public void Resolve_MissingOrEmptyValue_Refused()
    {
        var template = TagTemplate.Parse("product:{id}");

        Assert.Null(template.Resolve(null));
        Assert.Null(template.Resolve(Values(("other", "1"))));
        Assert.Null(template.Resolve(Values(("id", null))));
        Assert.Null(template.Resolve(Values(("id", ""))));
    }

    [Fact]
    public void Resolve_ToStarAlone_Refused_StarInsideAllowed()
    {
        Assert.Null(TagTemplate.Parse("{id}").Resolve(Values(("id", "*"))));
        Assert.Equal("product:*", TagTemplate.Parse("product:{id}").Resolve(Values(("id", "*"))));
        Assert.Equal("*", TagTemplate.Parse("*").Resolve(null));
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    [InlineData("a\u001Bb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    public void Resolve_ValueWithControlCharacter_Refused(string value)
    {
        Assert.Null(TagTemplate.Parse("product:{id}").Resolve(Values(("id", value))));
    }

    [Fact]
    public void Resolve_ValueWithLoneSurrogate_Refused_PairAccepted()
    {
        var template = TagTemplate.Parse("product:{id}");

        Assert.Null(template.Resolve(Values(("id", "a" + (char)0xD800 + "b"))));
        Assert.Null(template.Resolve(Values(("id", "a" + (char)0xDC00))));
        Assert.Null(template.Resolve(Values(("id", (char)0xD800 + string.Empty))));
        Assert.Equal("product:a\U0001F600", template.Resolve(Values(("id", "a\U0001F600"))));
    }

    [Fact]
    public void Resolve_LengthLimit_CountsTheWholeTag()
    {
        var prefix = TagTemplate.Parse("p:{id}");
        Assert.Equal(TagTemplate.MaxLength, prefix.Resolve(Values(("id", new string('x', TagTemplate.MaxLength - 2))))!.Length);
        Assert.Null(prefix.Resolve(Values(("id", new string('x', TagTemplate.MaxLength - 1)))));

        // A literal after the last placeholder counts too.
        var suffix = TagTemplate.Parse("{id}:suffix");
        Assert.Equal(TagTemplate.MaxLength, suffix.Resolve(Values(("id", new string('x', TagTemplate.MaxLength - 7))))!.Length);
        Assert.Null(suffix.Resolve(Values(("id", new string('x', TagTemplate.MaxLength - 6)))));
    }

    [Fact]
    public void Resolve_HugeValue_RefusedWithoutBuildingIt()
    {
        Assert.Null(TagTemplate.Parse("p:{id}").Resolve(Values(("id", new string('x', 1_000_000)))));
    }
}
