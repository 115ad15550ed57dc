using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.ResponseCaching;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Caches the responses of minimal-API endpoints and route groups: the convention form of <see cref="CachedAttribute"/>.</summary>
public static class DistributedResponseCacheEndpointConventionBuilderExtensions
{
    /// <summary>Caches the endpoint's responses with the default settings of <see cref="DistributedResponseCacheOptions"/>.</summary>
    /// <typeparam name="TBuilder">The endpoint or route group builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static TBuilder CacheResponse<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.AddCachePolicy(new ResponseCachePolicySettings());

    /// <summary>Caches the endpoint's responses with a named policy.</summary>
    /// <typeparam name="TBuilder">The endpoint or route group builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="policyName">A policy registered with <see cref="DistributedResponseCacheOptions.AddPolicy"/>.</param>
    /// <returns>The builder.</returns>
    public static TBuilder CacheResponse<TBuilder>(this TBuilder builder, string policyName)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        return builder.AddCachePolicy(new ResponseCachePolicySettings { PolicyName = policyName });
    }

    /// <summary>Caches the endpoint's responses with a policy described in code.</summary>
    /// <typeparam name="TBuilder">The endpoint or route group builder.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">The policy's settings.</param>
    /// <returns>The builder.</returns>
    public static TBuilder CacheResponse<TBuilder>(this TBuilder builder, Action<ResponseCachePolicyBuilder> configure)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(configure);
        var policy = new ResponseCachePolicyBuilder();
        configure(policy);
        return builder.AddCachePolicy(policy.Build());
    }

    private static TBuilder AddCachePolicy<TBuilder>(this TBuilder builder, ResponseCachePolicySettings settings)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var metadata = new ResponseCachePolicyMetadata(settings);
        builder.Add(endpoint => endpoint.Metadata.Add(metadata));
        return builder;
    }
}
