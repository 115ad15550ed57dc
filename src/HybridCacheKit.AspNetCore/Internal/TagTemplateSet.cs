using Microsoft.AspNetCore.Routing;

namespace HybridCacheKit.AspNetCore.Internal;

/// <summary>The parsed tag templates of one policy or one <c>[InvalidatesTags]</c>.</summary>
internal sealed class TagTemplateSet
{
    /// <summary>A set with no tags.</summary>
    public static readonly TagTemplateSet Empty = new([]);

    private readonly TagTemplate[] _templates;
    private readonly string[]? _literalTags;

    private TagTemplateSet(TagTemplate[] templates)
    {
        _templates = templates;
        if (Array.TrueForAll(templates, static t => t.IsLiteral))
        {
            _literalTags = Array.ConvertAll(templates, static t => t.Template);
        }
    }

    /// <summary>The number of templates.</summary>
    public int Count => _templates.Length;

    /// <summary>Parses every template (duplicates removed); throws <see cref="ArgumentException"/> on a malformed one.</summary>
    public static TagTemplateSet Parse(IEnumerable<string>? templates)
    {
        if (templates is null)
        {
            return Empty;
        }

        var parsed = templates.Distinct(StringComparer.Ordinal).Select(TagTemplate.Parse).ToArray();
        return parsed.Length == 0 ? Empty : new TagTemplateSet(parsed);
    }

    /// <summary>
    /// The tags for one request. Templates that cannot be resolved (see <see cref="TagTemplate.Resolve"/>) are left out
    /// and counted in <paramref name="refused"/>, so the caller can log it.
    /// </summary>
    public string[] Resolve(RouteValueDictionary? routeValues, out int refused)
    {
        refused = 0;
        if (_literalTags is not null)
        {
            return _literalTags;
        }

        var tags = new List<string>(_templates.Length);
        foreach (var template in _templates)
        {
            var tag = template.Resolve(routeValues);
            if (tag is null)
            {
                refused++;
            }
            else if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }

        return [.. tags];
    }
}
