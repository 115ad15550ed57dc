using HybridCacheKit.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The minimal-API and route-group form of <see cref="InvalidatesTagsAttribute"/>.</summary>
public static class CacheInvalidationEndpointConventionBuilderExtensions
{
    /// <summary>
    /// After a successful (2xx) POST, PUT, PATCH or DELETE to these endpoints, invalidates <paramref name="tags"/> before
    /// the response is sent. Adds the same metadata as <c>[InvalidatesTags(...)]</c>; see it for placeholders and rules.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint or route-group builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="tags">Tags, optionally with route-value placeholders such as <c>"product:{id}"</c>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A tag is empty or malformed (unbalanced braces, a route constraint in a placeholder); the message names it.</exception>
    public static TBuilder InvalidatesTags<TBuilder>(this TBuilder builder, params string[] tags)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tags);
        var attribute = new InvalidatesTagsAttribute(tags);

        // Parse now, so a malformed template fails at the line that declares it.
        _ = attribute.Templates;
        builder.Add(endpoint => endpoint.Metadata.Add(attribute));
        return builder;
    }
}
