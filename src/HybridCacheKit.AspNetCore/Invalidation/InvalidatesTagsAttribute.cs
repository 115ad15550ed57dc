using HybridCacheKit.AspNetCore.Internal;

namespace HybridCacheKit.AspNetCore;

/// <summary>
/// After a successful (2xx) POST, PUT, PATCH or DELETE to this endpoint, the given tags are invalidated through
/// <c>HybridCache.RemoveByTagAsync</c> — on every node when a backplane is configured — before the response is sent.
/// </summary>
/// <remarks>
/// <para>
/// Tags may hold route-value placeholders, e.g. <c>"product:{id}"</c>; <c>{{</c> and <c>}}</c> are literal braces. A
/// placeholder the request cannot fill — no such route value, a value that is <c>"*"</c> on its own, holds a control
/// character or makes the tag longer than 256 characters — is skipped and logged, so a request can never clear the
/// whole cache. A template that is literally <c>"*"</c> does clear everything, on purpose.
/// </para>
/// <para>
/// Works on MVC controllers and actions and on minimal-API handlers; the endpoint convention
/// <c>.InvalidatesTags(...)</c> adds the same metadata. Several attributes (for example one on the controller and one on
/// the action) add up. GET, HEAD and every other method never invalidate: a read must not be able to evict. Needs
/// <c>app.UseDistributedResponseCache()</c> in the pipeline. Templates are checked when the application starts.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class InvalidatesTagsAttribute : Attribute
{
    private readonly string[] _tags;
    private TagTemplateSet? _templates;

    /// <summary>Invalidates <paramref name="tags"/> after a successful write.</summary>
    /// <param name="tags">Tags, optionally with route-value placeholders such as <c>"product:{id}"</c>.</param>
    public InvalidatesTagsAttribute(params string[] tags)
    {
        // No parsing here: an exception thrown by an attribute constructor surfaces wrapped by reflection, far from the
        // template. Templates are parsed once, at start-up, where the error can name the endpoint and the template.
        _tags = tags is null ? [] : (string[])tags.Clone();
    }

    /// <summary>The tag templates, as written.</summary>
    public IReadOnlyList<string> Tags => _tags;

    /// <summary>The parsed templates; parsed on first use (start-up validation), then reused for every request.</summary>
    /// <exception cref="ArgumentException">A template is empty or malformed; the message names it.</exception>
    internal TagTemplateSet Templates => _templates ?? Parse();

    private TagTemplateSet Parse()
    {
        if (_tags.Length == 0)
        {
            throw new ArgumentException("[InvalidatesTags] needs at least one tag.", "tags");
        }

        foreach (var tag in _tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
            {
                throw new ArgumentException("[InvalidatesTags] has an empty tag.", "tags");
            }
        }

        // Racing first uses parse twice and keep either result: both are equal and immutable.
        var parsed = TagTemplateSet.Parse(_tags);
        _templates = parsed;
        return parsed;
    }
}
