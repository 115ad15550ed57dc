using HybridCacheKit.AspNetCore.ResponseCaching;

namespace HybridCacheKit.AspNetCore;

/// <summary>
/// Describes a response-cache policy in code: for <c>.CacheResponse(p => ...)</c> on an endpoint or a route group, and for
/// named policies (<see cref="DistributedResponseCacheOptions.AddPolicy"/>). It builds the same policy as <see cref="CachedAttribute"/>;
/// settings left unset come from the named policy, then from the options' defaults.
/// </summary>
public sealed class ResponseCachePolicyBuilder
{
    private ResponseCachePolicySettings _settings = new();

    /// <summary>How long a response stays cached on every node.</summary>
    /// <param name="duration">Positive.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder Duration(TimeSpan duration)
    {
        _settings = _settings with { Duration = duration };
        return this;
    }

    /// <summary>How long a node keeps the response in its own memory before asking the distributed cache again. Capped by the duration.</summary>
    /// <param name="duration">Positive.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder LocalDuration(TimeSpan duration)
    {
        _settings = _settings with { LocalDuration = duration };
        return this;
    }

    /// <summary>Tags for <c>HybridCache.RemoveByTagAsync</c>; may hold route-value placeholders such as <c>"product:{id}"</c>. Replaces earlier tags.</summary>
    /// <param name="tags">The tag templates.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder Tags(params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        _settings = _settings with { Tags = [.. tags] };
        return this;
    }

    /// <summary>The query keys that make responses differ: <c>"*"</c> for the whole query string (the default), none to ignore the query.</summary>
    /// <param name="keys">Query keys, or <c>"*"</c>.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder VaryByQuery(params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _settings = _settings with { VaryByQuery = [.. keys] };
        return this;
    }

    /// <summary>Request headers whose values make responses differ.</summary>
    /// <param name="headers">Header names.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder VaryByHeader(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _settings = _settings with { VaryByHeader = [.. headers] };
        return this;
    }

    /// <summary>Route values that make responses differ.</summary>
    /// <param name="names">Route value names.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder VaryByRouteValue(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _settings = _settings with { VaryByRouteValue = [.. names] };
        return this;
    }

    /// <summary>Caches per user, under a one-way hash of the user id (see <see cref="CachedAttribute.VaryByUser"/>).</summary>
    /// <param name="enabled">False turns it off again.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder VaryByUser(bool enabled = true)
    {
        _settings = _settings with { VaryByUser = enabled };
        return this;
    }

    /// <summary>Takes unset settings from a named policy. Not allowed inside a named policy.</summary>
    /// <param name="policyName">A name registered with <see cref="DistributedResponseCacheOptions.AddPolicy"/>.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder UsePolicy(string policyName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        _settings = _settings with { PolicyName = policyName };
        return this;
    }

    /// <summary>Turns caching off (for an endpoint inside a cached route group, for example).</summary>
    /// <param name="enabled">False turns caching back on.</param>
    /// <returns>This builder.</returns>
    public ResponseCachePolicyBuilder NoStore(bool enabled = true)
    {
        _settings = _settings with { NoStore = enabled };
        return this;
    }

    internal ResponseCachePolicySettings Build() => _settings;
}
