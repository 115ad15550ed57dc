using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// Serves and stores the responses of endpoints with a cache policy (<c>[Cached]</c>, <c>.CacheResponse(...)</c>). The hit
/// path reads L1 only and copies a prebuilt response; a miss goes through the engine's GetOrCreateAsync, so concurrent
/// misses of one key run the endpoint once per node (once per cluster with Redis). Design: docs/response-caching.md.
/// One file per concern: <c>.Run</c> (misses, the run that produces an entry), <c>.Serve</c> (hits, 304, Age, the
/// counting of what was served), <c>.Log</c>. Metrics: <see cref="ResponseCacheInstruments"/>.
/// </summary>
internal sealed partial class ResponseCacheMiddleware
{
    // The hit path asks L1 only; L2 is read by the run a miss starts (or joins), once for all waiting requests.
    private static readonly HybridCacheEntryOptions s_localOnly = new() { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead };

    // A HEAD that missed L1 reads L2 only, so the hit's tier is known.
    private static readonly HybridCacheEntryOptions s_distributedOnly = new() { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };

    // Marks a request whose hit is not timed (the hit-duration histogram was not observed when it arrived).
    private const long NotTimed = -1;

    private readonly RequestDelegate _next;
    private readonly HybridCache _cache;
    private readonly ResponseCachePolicyResolver _policies;
    private readonly DistributedResponseCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly UserKeyHasher _users;
    private readonly ResponseCacheInstruments _metrics;
    private readonly long _jitterTicks;
    private readonly bool[] _cacheableStatus = new bool[600];
    private readonly int _hashThreshold;
    private readonly bool _authenticationConfigured;
    private int _orderWarningLogged;

    public ResponseCacheMiddleware(
        RequestDelegate next,
        HybridCache cache,
        ResponseCachePolicyResolver policies,
        IOptions<DistributedResponseCacheOptions> options,
        IOptions<HybridCacheKitOptions> engineOptions,
        TimeProvider time,
        ILogger<ResponseCacheMiddleware> logger,
        ResponseCacheInstruments metrics,
        IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(engineOptions);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(services);
        _next = next;
        _cache = cache;
        _policies = policies;
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        _logger = logger;
        _metrics = metrics;
        _users = new UserKeyHasher(_options.UserHashSecret);
        foreach (var status in _options.CacheableStatusCodes)
        {
            if ((uint)status < (uint)_cacheableStatus.Length)
            {
                _cacheableStatus[status] = true;
            }
        }

        var engine = engineOptions.Value;
        if (engine.MaximumKeyLength < ResponseCacheKey.HashedLength)
        {
            throw new InvalidOperationException(
                $"The distributed response cache needs HybridCacheKitOptions.MaximumKeyLength of at least {ResponseCacheKey.HashedLength} (it is {engine.MaximumKeyLength}).");
        }

        if (_options.MaximumBodySize >= engine.MaximumPayloadBytes)
        {
            throw new InvalidOperationException(
                $"DistributedResponseCacheOptions.MaximumBodySize ({_options.MaximumBodySize}) must be below HybridCacheKitOptions.MaximumPayloadBytes ({engine.MaximumPayloadBytes}), "
                + "which bounds the whole stored response (headers and body); otherwise large bodies would be buffered and then refused.");
        }

        _hashThreshold = ResponseCacheKey.HashThreshold(engine.MaximumKeyLength);
        _jitterTicks = engine.ExpirationJitter.Ticks;
        _authenticationConfigured = services.GetService<IAuthenticationSchemeProvider>() is not null;

        // Every endpoint's policy now, so a bad one fails start-up instead of a request. The engine is required only
        // when some endpoint is cached: an app that uses UseDistributedResponseCache for [InvalidatesTags] alone may
        // register another HybridCache (a decorator, say).
        if (services.GetService<EndpointDataSource>() is { } endpoints)
        {
            _policies.ResolveAll(endpoints.Endpoints);
            foreach (var endpoint in endpoints.Endpoints)
            {
                if (_policies.Get(endpoint) is not null)
                {
                    EnsureHybridCacheKit(cache);
                    break;
                }
            }
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return _next(context);
        }

        var policy = _policies.Get(endpoint);
        if (policy is null)
        {
            return _next(context);
        }

        var started = _metrics.HitDurationEnabled ? _time.GetTimestamp() : NotTimed;
        var request = context.Request;
        var method = request.Method;
        bool head;
        if (HttpMethods.IsGet(method))
        {
            head = false;
        }
        else if (HttpMethods.IsHead(method))
        {
            head = true;
        }
        else
        {
            return Bypass(context, NotStoredReason.Method);
        }

        if (!TryGetUserPart(context, policy, out var user))
        {
            return Bypass(context, UserBypassReason(context));
        }

        if (HasBody(request))
        {
            return Bypass(context, NotStoredReason.RequestBody);
        }

        if (_options.HonorRequestCacheControl && ClientAsksToBypass(request))
        {
            return Bypass(context, NotStoredReason.ClientCacheControl);
        }

        var key = ResponseCacheKey.Build(context, policy, user, acceptEncoding: null, _hashThreshold);
        var local = _cache.TryGetAsync<CachedResponse>(key, s_localOnly);
        if (local.IsCompletedSuccessfully && local.Result.Value is { } entry)
        {
            if (entry.Kind == CachedResponseKind.Response)
            {
                return ServeAsync(context, entry, head, policy, ServeSource.L1, started);
            }

            if (entry.Kind == CachedResponseKind.VaryByEncoding && !head)
            {
                // The endpoint's responses vary by encoding: the representation lives under the second-level key.
                var secondKey = ResponseCacheKey.Build(context, policy, user, ResponseCacheKey.NormalizeAcceptEncoding(request.Headers.AcceptEncoding), _hashThreshold);
                var second = _cache.TryGetAsync<CachedResponse>(secondKey, s_localOnly);
                if (second.IsCompletedSuccessfully && second.Result.Value is { Kind: CachedResponseKind.Response } representation)
                {
                    return ServeAsync(context, representation, head: false, policy, ServeSource.L1, started);
                }

                return GetAsync(context, policy, secondKey, user, secondLevel: true, started);
            }
        }

        return head ? HeadAsync(context, policy, key, user, started) : GetAsync(context, policy, key, user, secondLevel: false, started);
    }

    private Task Bypass(HttpContext context, NotStoredReason reason)
    {
        _metrics.NotStored(reason);
        return _next(context);
    }

    /// <summary>
    /// Without VaryByUser, any sign of a user (an Authorization header, an authenticated principal) bypasses the cache.
    /// With it, an authenticated user is keyed by the hash of their id, an anonymous request by "anonymous", and
    /// credentials that did not authenticate anyone bypass it.
    /// </summary>
    private bool TryGetUserPart(HttpContext context, ResponseCachePolicy policy, out string? user)
    {
        user = null;
        if (_authenticationConfigured && context.Features.Get<IAuthenticationFeature>() is null)
        {
            // Authentication is configured but has not run for this request: the cache sits before
            // UseAuthentication(), so it cannot know the user. Never guess.
            if (Interlocked.Exchange(ref _orderWarningLogged, 1) == 0)
            {
                Log.AuthenticationNotRun(_logger);
            }

            return false;
        }

        var credentials = context.Request.Headers.Authorization.Count > 0;

        // Read the feature, not HttpContext.User, which allocates an empty principal when no authentication ran.
        var principal = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        var authenticated = false;
        if (principal is not null)
        {
            foreach (var identity in principal.Identities)
            {
                if (identity.IsAuthenticated)
                {
                    authenticated = true;
                    break;
                }
            }
        }

        if (!policy.VaryByUser)
        {
            return !credentials && !authenticated;
        }

        if (authenticated)
        {
            user = _users.Hash(principal!);
            return user is not null;
        }

        if (credentials)
        {
            return false;
        }

        user = string.Empty;
        return true;
    }

    /// <summary>Why <see cref="TryGetUserPart"/> refused a request (kept off the hit path).</summary>
    private NotStoredReason UserBypassReason(HttpContext context)
        => _authenticationConfigured && context.Features.Get<IAuthenticationFeature>() is null
            ? NotStoredReason.AuthenticationNotRun
            : NotStoredReason.Authenticated;

    // A GET with a body: the key ignores the body, so such a request is neither served from nor stored in the cache.
    // The server's body detection first: over HTTP/2 and HTTP/3 a body needs neither Content-Length nor
    // Transfer-Encoding (DATA frames after a HEADERS frame without END_STREAM); the headers for servers without it.
    private static bool HasBody(HttpRequest request)
        => request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            || request.ContentLength > 0
            || request.Headers.TransferEncoding.Count > 0;

    private static bool ClientAsksToBypass(HttpRequest request)
    {
        var headers = request.Headers;
        if (HeaderUtilities.ContainsCacheDirective(headers.CacheControl, CacheControlHeaderValue.NoCacheString)
            || HeaderUtilities.ContainsCacheDirective(headers.CacheControl, CacheControlHeaderValue.NoStoreString)
            || HeaderUtilities.ContainsCacheDirective(headers.Pragma, CacheControlHeaderValue.NoCacheString))
        {
            return true;
        }

        return HeaderUtilities.TryParseSeconds(headers.CacheControl, CacheControlHeaderValue.MaxAgeString, out var maxAge) && maxAge == TimeSpan.Zero;
    }

    private static void EnsureHybridCacheKit(HybridCache cache)
    {
        try
        {
            _ = cache.TryGetAsync<CachedResponse>(ResponseCacheKey.Prefix + "probe", s_localOnly).AsTask();
        }
        catch (NotSupportedException ex)
        {
            throw new InvalidOperationException(
                "The distributed response cache needs HybridCacheKit's HybridCache: call services.AddHybridCacheKit() (another HybridCache implementation is registered).", ex);
        }
    }
}
