using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Routing;

namespace HybridCacheKit.AspNetCore.Internal;

/// <summary>
/// A tag with optional route-value placeholders, e.g. <c>"product:{id}"</c>, parsed once when the policy is built and
/// resolved per request. <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
/// <remarks>
/// Route values come from the request, so a resolved tag is refused (null) when a placeholder has no value, when the
/// result is longer than <see cref="MaxLength"/>, holds a control character or a lone surrogate, or is <c>"*"</c> — only a template that is
/// literally <c>"*"</c> may name the clear-everything tag, never a request.
/// </remarks>
internal sealed class TagTemplate
{
    /// <summary>The longest tag a request may resolve to.</summary>
    public const int MaxLength = 256;

    private readonly Segment[] _segments;

    private TagTemplate(string template, Segment[] segments)
    {
        Template = template;
        _segments = segments;
    }

    /// <summary>The template as written.</summary>
    public string Template { get; }

    /// <summary>True when the template has no placeholder; <see cref="Resolve"/> then always returns <see cref="Template"/>.</summary>
    public bool IsLiteral => _segments.Length == 1 && _segments[0].RouteValueName is null;

    /// <summary>Parses a template; throws <see cref="ArgumentException"/> naming the template when it is malformed.</summary>
    public static TagTemplate Parse(string template)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(template);
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (char.IsControl(c))
            {
                throw new ArgumentException($"The tag template '{Escape(template)}' contains a control character.", nameof(template));
            }

            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i++;
                continue;
            }

            if (c == '}')
            {
                throw new ArgumentException($"The tag template '{Escape(template)}' has an unmatched '}}' at {i}; write '}}}}' for a literal brace.", nameof(template));
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var close = template.IndexOf('}', i + 1);
            if (close < 0)
            {
                throw new ArgumentException($"The tag template '{Escape(template)}' has an unclosed '{{' at {i}; write '{{{{' for a literal brace.", nameof(template));
            }

            var name = template.Substring(i + 1, close - i - 1).Trim();
            if (name.Length == 0 || name.Contains('{', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The tag template '{Escape(template)}' has an empty or malformed placeholder at {i}.", nameof(template));
            }

            if (literal.Length > 0)
            {
                segments.Add(new Segment(literal.ToString(), null));
                literal.Clear();
            }

            segments.Add(new Segment(null, name));
            i = close;
        }

        if (!IsWellFormedUtf16(template))
        {
            throw new ArgumentException($"The tag template '{Escape(template)}' is not well-formed UTF-16 (a lone surrogate).", nameof(template));
        }

        if (literal.Length > 0 || segments.Count == 0)
        {
            segments.Add(new Segment(literal.ToString(), null));
        }

        return new TagTemplate(template, [.. segments]);
    }

    /// <summary>Resolves the template against the request's route values; null when the tag must not be used (see remarks).</summary>
    public string? Resolve(RouteValueDictionary? routeValues)
    {
        if (IsLiteral)
        {
            return _segments[0].Literal;
        }

        var builder = new StringBuilder(Template.Length + 16);
        foreach (var segment in _segments)
        {
            if (segment.RouteValueName is null)
            {
                builder.Append(segment.Literal);
                continue;
            }

            if (routeValues is null || !routeValues.TryGetValue(segment.RouteValueName, out var raw) || raw is null)
            {
                return null;
            }

            var value = Convert.ToString(raw, CultureInfo.InvariantCulture);
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            foreach (var c in value)
            {
                if (char.IsControl(c))
                {
                    return null;
                }
            }

            if (!IsWellFormedUtf16(value))
            {
                return null;
            }

            builder.Append(value);
            if (builder.Length > MaxLength)
            {
                return null;
            }
        }

        var tag = builder.ToString();
        return tag == "*" ? null : tag;
    }

    // The engine stores tags as strict UTF-8 and refuses a lone surrogate; a request must not be able to make it throw.
    private static bool IsWellFormedUtf16(string value)
    {
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }

    private static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private readonly record struct Segment(string? Literal, string? RouteValueName);
}
