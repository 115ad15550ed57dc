using System.Runtime.CompilerServices;
using HybridCacheKit.AspNetCore.Internal;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// Turns an endpoint's <c>[Cached]</c> / <c>.CacheResponse(...)</c> metadata into its <see cref="ResponseCachePolicy"/>, once
/// per endpoint: the result is kept in a table keyed by the endpoint instance (weakly, so endpoints that a dynamic data
/// source drops are not kept alive). Precedence: the endpoint's most specific metadata, then its named policy, then the
/// options' defaults.
/// </summary>
internal sealed partial class ResponseCachePolicyResolver
{
    private static readonly char[] s_headerTokenChars = "!#$%&'*+-.^_`|~".ToCharArray();

    private readonly DistributedResponseCacheOptions _options;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<Endpoint, Entry> _policies = new();
    private readonly ConditionalWeakTable<Endpoint, Entry>.CreateValueCallback _create;

    public ResponseCachePolicyResolver(IOptions<DistributedResponseCacheOptions> options, ILogger<ResponseCachePolicyResolver> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _logger = logger;
        _create = endpoint => new Entry(Resolve(endpoint));
    }

    /// <summary>The endpoint's policy, or null when its responses are not cached. Throws <see cref="InvalidOperationException"/> for a bad policy.</summary>
    public ResponseCachePolicy? Get(Endpoint endpoint)
        => _policies.TryGetValue(endpoint, out var entry) ? entry.Policy : _policies.GetValue(endpoint, _create).Policy;

    /// <summary>Resolves every endpoint now, so a bad policy fails start-up with every problem listed, not a later request.</summary>
    public void ResolveAll(IEnumerable<Endpoint> endpoints)
    {
        List<string>? errors = null;
        foreach (var endpoint in endpoints)
        {
            try
            {
                Get(endpoint);
            }
            catch (InvalidOperationException ex)
            {
                (errors ??= []).Add(ex.Message);
            }
        }

        if (errors is not null)
        {
            throw new InvalidOperationException("The distributed response cache found invalid policies:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }
    }

    internal ResponseCachePolicy? Resolve(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata.GetMetadata<IResponseCachePolicyMetadata>();
        if (metadata is null)
        {
            return null;
        }

        var name = endpoint.DisplayName ?? "(unnamed endpoint)";
        try
        {
            var policy = Build(metadata.Settings, _options, allowPolicyName: true);
            if (policy is not null && !policy.VaryByUser && RequiresAuthorization(endpoint))
            {
                Log.AuthorizedEndpointNotCached(_logger, name);
                return null;
            }

            return policy;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Endpoint '{name}': {ex.Message}", ex);
        }
    }

    /// <summary>Merges settings over the named policy and the defaults; null when NoStore. Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    internal static ResponseCachePolicy? Build(ResponseCachePolicySettings settings, DistributedResponseCacheOptions options, bool allowPolicyName)
    {
        ResponseCachePolicySettings? named = null;
        if (settings.PolicyName is { } policyName)
        {
            if (!allowPolicyName)
            {
                throw new ArgumentException($"a named policy cannot use another policy (PolicyName '{policyName}').");
            }

            if (!options.Policies.TryGetValue(policyName, out named))
            {
                throw new ArgumentException(
                    $"the response cache policy '{policyName}' is not registered. Add it with services.AddDistributedResponseCache(o => o.AddPolicy(\"{policyName}\", p => ...)).");
            }
        }

        if (settings.NoStore ?? named?.NoStore ?? false)
        {
            return null;
        }

        var duration = settings.Duration ?? named?.Duration ?? options.DefaultDuration;
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Duration must be positive (was {duration}).");
        }

        var local = settings.LocalDuration ?? named?.LocalDuration ?? options.DefaultLocalDuration ?? duration;
        if (local <= TimeSpan.Zero)
        {
            throw new ArgumentException($"LocalDuration must be positive (was {local}).");
        }

        if (local > duration)
        {
            local = duration;
        }

        var tags = TagTemplateSet.Parse(settings.Tags ?? named?.Tags);
        var query = settings.VaryByQuery ?? named?.VaryByQuery ?? ["*"];
        QueryVaryMode mode;
        string[] queryKeys = [];
        if (query.Length == 0)
        {
            mode = QueryVaryMode.None;
        }
        else if (Array.IndexOf(query, "*") >= 0)
        {
            if (query.Length != 1)
            {
                throw new ArgumentException("VaryByQuery: \"*\" (the whole query string) cannot be combined with named keys.");
            }

            mode = QueryVaryMode.All;
        }
        else
        {
            mode = QueryVaryMode.Listed;
            queryKeys = Names(query, "VaryByQuery", lowerCase: false, headerToken: false);
        }

        var headers = Names(settings.VaryByHeader ?? named?.VaryByHeader ?? [], "VaryByHeader", lowerCase: true, headerToken: true);
        foreach (var header in headers)
        {
            if (header is "authorization" or "proxy-authorization" or "cookie")
            {
                // Keys up to the hashing threshold are readable: the credentials would be Redis key names, in the
                // clear, and in any log that shows keys.
                throw new ArgumentException($"VaryByHeader: '{header}' carries credentials and cannot be part of a cache key. Use VaryByUser to cache per user (the key then holds an HMAC of the user's id).");
            }
        }

        var routeValues = Names(settings.VaryByRouteValue ?? named?.VaryByRouteValue ?? [], "VaryByRouteValue", lowerCase: false, headerToken: false);
        var varyByUser = settings.VaryByUser ?? named?.VaryByUser ?? false;
        return new ResponseCachePolicy(duration, local, tags, mode, queryKeys, headers, routeValues, varyByUser);
    }

    private static string[] Names(string[] names, string setting, bool lowerCase, bool headerToken)
    {
        var result = new List<string>(names.Length);
        foreach (var raw in names)
        {
            if (string.IsNullOrWhiteSpace(raw) || raw.Trim().Length != raw.Length)
            {
                throw new ArgumentException($"{setting}: names must be non-empty and have no surrounding spaces.");
            }

            foreach (var c in raw)
            {
                if (c < 0x21 || c > 0x7E || (headerToken && !char.IsAsciiLetterOrDigit(c) && Array.IndexOf(s_headerTokenChars, c) < 0))
                {
                    throw new ArgumentException($"{setting}: '{raw}' is not a valid name (printable ASCII{(headerToken ? " header token" : string.Empty)} only).");
                }
            }

            var name = lowerCase ? raw.ToLowerInvariant() : raw;
            if (!result.Exists(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(name);
            }
        }

        result.Sort(StringComparer.OrdinalIgnoreCase);
        return [.. result];
    }

    private static bool RequiresAuthorization(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        return metadata.GetMetadata<IAllowAnonymous>() is null
            && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<AuthorizationPolicy>() is not null);
    }

    private sealed class Entry(ResponseCachePolicy? policy)
    {
        public ResponseCachePolicy? Policy { get; } = policy;
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Warning, "Endpoint '{Endpoint}' requires authorization, so its [Cached] policy is ignored: its responses are not cached. Set VaryByUser to cache them per user.")]
        public static partial void AuthorizedEndpointNotCached(ILogger logger, string endpoint);
    }
}
