using HybridCacheKit.AspNetCore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

// Misses. A GET miss calls the engine's GetOrCreateAsync; the request whose state the factory receives is the "owner":
// the endpoint runs on its HttpContext into a ResponseBuffer, the response is checked, stored, and the owner writes its
// own buffered copy. Every other request of the same key waits for that run and gets the stored response, or, when the
// owner's response could not be cached, the NotCacheable marker, on which it runs the endpoint itself: a waiter never
// receives a response that was not fit to store. When the owner's client disconnects before the run has a complete
// response, the run ends with ResponseOwnerGoneException instead, and the waiters look the key up again, so one of them
// becomes the next owner and the others join it.
internal sealed partial class ResponseCacheMiddleware
{
    // How many times a request whose run lost its owner looks the key up again before it runs the endpoint itself. Each
    // retry waits for one more run, so this bounds what a client that keeps aborting can make a waiter sit through.
    private const int OwnerGoneRetries = 2;

    private static readonly Func<RunState, HybridCacheFactoryContext, CancellationToken, ValueTask<CachedResponse>> s_run =
        static (state, factoryContext, _) => state.Middleware.RunAsync(state, factoryContext);

    private async Task GetAsync(HttpContext context, ResponseCachePolicy policy, string key, string? user, bool secondLevel, long started)
    {
        RunState state;
        long askedAt;
        CachedResponse result;
        var retries = 0;
        while (true)
        {
            // A fresh state per lookup: an earlier one is closed, and this request may own the next run.
            state = new RunState(this, context, policy, user, secondLevel);

            // A response stored at or after this instant was produced by a run this request waited for (a stampede
            // join); one stored before it was found in L2. Store times are taken after the endpoint ran, so a run always
            // lands after.
            askedAt = _time.GetUtcNow().UtcTicks;
            try
            {
                result = await _cache.GetOrCreateAsync(key, state, s_run, policy.EntryOptions, tags: null, context.RequestAborted).ConfigureAwait(false);
                break;
            }
            catch (Exception ex)
            {
                // This request stops waiting without an answer. Abandon, not Close: a run of ours that has not reached
                // the factory yet must not start the endpoint for a request that is gone, nor tell its waiters that the
                // response cannot be cached (RunAsync).
                if (state.Abandon())
                {
                    // Our own run failed (the endpoint's exception), or our wait was cancelled while our run goes on for
                    // others: it uses this HttpContext, so the request must not end before it does.
                    await state.Completion.ConfigureAwait(false);
                    if (!context.RequestAborted.IsCancellationRequested)
                    {
                        _metrics.NotStored(NotStoredReason.EndpointError);
                    }

                    throw;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    throw;
                }

                if (ex is ResponseOwnerGoneException && retries < OwnerGoneRetries)
                {
                    // The run we waited for lost the request it ran for; the endpoint did not fail. The engine dropped
                    // that run, so the first of its waiters to ask again starts the next one and the others join it.
                    retries++;
                    Log.OwnerGoneRetry(_logger, retries, OwnerGoneRetries);
                    _metrics.StampedeRetry();
                    continue;
                }

                Log.SharedRunFailed(_logger, ex.GetType().Name);
                _metrics.NotStored(NotStoredReason.SharedRunFailed);
                await _next(context).ConfigureAwait(false);
                return;
            }
        }

        var owner = state.Close();
        if (owner)
        {
            // The owner. Its run has normally finished by now; with eager refresh enabled the engine may have answered
            // from L1 while starting a background run with our state, so wait for it either way.
            await state.Completion.ConfigureAwait(false);
            if (state.Produced)
            {
                if (state.NotStored is { } reason)
                {
                    _metrics.NotStored(reason);
                }
                else
                {
                    _metrics.Miss();
                }

                await WriteOwnResponseAsync(context, state).ConfigureAwait(false);
                return;
            }

            // Our endpoint threw and the engine's fail-safe answered with the stale entry instead: serve that, on a
            // clean response (the endpoint may have set a status or headers before it failed).
            if (context.Response.HasStarted)
            {
                _metrics.NotStored(NotStoredReason.EndpointError);
                return;
            }

            context.Response.Clear();
        }

        switch (result.Kind)
        {
            case CachedResponseKind.Response:
                var source = owner ? ServeSource.FailSafe : result.StoredUtcTicks >= askedAt ? ServeSource.Join : ServeSource.L2;
                await ServeAsync(context, result, head: false, policy, source, started).ConfigureAwait(false);
                return;
            case CachedResponseKind.VaryByEncoding when !secondLevel:
                var secondKey = ResponseCacheKey.Build(context, policy, user, ResponseCacheKey.NormalizeAcceptEncoding(context.Request.Headers.AcceptEncoding), _hashThreshold);
                await GetAsync(context, policy, secondKey, user, secondLevel: true, started).ConfigureAwait(false);
                return;
            default:
                // The run this request waited for produced a response that could not be stored.
                _metrics.NotStored(NotStoredReason.SharedRunNotStored);
                await _next(context).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>A HEAD is answered from the GET entry when there is one (L1, then L2); otherwise it passes through and stores nothing.</summary>
    private async Task HeadAsync(HttpContext context, ResponseCachePolicy policy, string key, string? user, long started)
    {
        var (entry, source) = await FindAsync(key, context.RequestAborted).ConfigureAwait(false);
        if (entry is { Kind: CachedResponseKind.VaryByEncoding })
        {
            var secondKey = ResponseCacheKey.Build(context, policy, user, ResponseCacheKey.NormalizeAcceptEncoding(context.Request.Headers.AcceptEncoding), _hashThreshold);
            (entry, source) = await FindAsync(secondKey, context.RequestAborted).ConfigureAwait(false);
        }

        if (entry is { Kind: CachedResponseKind.Response })
        {
            await ServeAsync(context, entry, head: true, policy, source, started).ConfigureAwait(false);
            return;
        }

        _metrics.NotStored(NotStoredReason.HeadMiss);
        await _next(context).ConfigureAwait(false);
    }

    /// <summary>L1, then L2 (as one <c>TryGetAsync</c> would), telling which of them answered.</summary>
    private async ValueTask<(CachedResponse? Entry, ServeSource Source)> FindAsync(string key, CancellationToken cancellationToken)
    {
        var local = _cache.TryGetAsync<CachedResponse>(key, s_localOnly, cancellationToken);
        var found = local.IsCompletedSuccessfully ? local.Result : await local.ConfigureAwait(false);
        if (found.Value is { } entry)
        {
            return (entry, ServeSource.L1);
        }

        found = await _cache.TryGetAsync<CachedResponse>(key, s_distributedOnly, cancellationToken).ConfigureAwait(false);
        return (found.Value, ServeSource.L2);
    }

    private async ValueTask<CachedResponse> RunAsync(RunState state, HybridCacheFactoryContext factoryContext)
    {
        if (!state.TryClaim())
        {
            if (state.IsAbandoned)
            {
                // The request that started this run left (its client disconnected) while the run read L2 or waited for
                // another node's lock. Requests that joined the run are still waiting: "owner gone" sends them to look
                // the key up again, where the NotCacheable marker would make each of them run the endpoint.
                throw new ResponseOwnerGoneException();
            }

            // The request this state belongs to has already been answered (a background refresh reusing its state):
            // its HttpContext must not be touched.
            factoryContext.DoNotCache();
            return CachedResponse.NotCacheable;
        }

        try
        {
            return await ProduceAsync(state, factoryContext).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ResponseOwnerGoneException && state.Context.RequestAborted.IsCancellationRequested)
        {
            // The endpoint (or the server, starting the response) gave up because the owner's client went away. That is
            // not the endpoint failing, and its waiters should not each run it: they look the key up again. (The filter
            // runs before the finally below, while the owner still holds its HttpContext for this run.)
            throw new ResponseOwnerGoneException(ex);
        }
        finally
        {
            state.MarkDone();
        }
    }

    private async ValueTask<CachedResponse> ProduceAsync(RunState state, HybridCacheFactoryContext factoryContext)
    {
        var context = state.Context;
        var response = context.Response;
        var features = context.Features;
        var server = features.Get<IHttpResponseBodyFeature>()!;
        var buffer = new ResponseBuffer(server, _options.MaximumBodySize);
        features.Set<IHttpResponseBodyFeature>(buffer);
        try
        {
            await _next(context).ConfigureAwait(false);
            await buffer.FinishAsync().ConfigureAwait(false);
            state.Produced = true;
        }
        catch
        {
            buffer.Release();
            throw;
        }
        finally
        {
            features.Set(server);
        }

        if (buffer.IsStreaming)
        {
            state.Streamed = true;
            buffer.Release();
            return NotCached(factoryContext, state, buffer.StreamingReason);
        }

        var body = buffer.TakeBody();
        state.Body = body;
        if (response.HasStarted)
        {
            // Something wrote around the buffer (the server's own feature): nothing here can be trusted to replay.
            return NotCached(factoryContext, state, NotStoredReason.ResponseStarted);
        }

        var storedAt = _time.GetUtcNow();
        var reason = CheckResponse(response, state.Policy);
        if (reason is null)
        {
            AddValidators(response, body, storedAt);
        }

        var status = response.StatusCode;
        if (response.ContentLength is { } declared)
        {
            if (declared != body.Length)
            {
                reason ??= NotStoredReason.ContentLength;
            }
        }
        else if (status is not (204 or 304) and >= 200)
        {
            response.ContentLength = body.Length;
        }

        // Starting the response runs the OnStarting callbacks, which may still add headers (a late Set-Cookie): the
        // decision is made on the response as it is sent.
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The owner's client went away while the endpoint ran. Its response was made for a request that is gone and
            // may be cut short (an endpoint that stops at the cancellation and returns what it has), so it is neither
            // stored nor handed to the waiters, who look the key up again. A response completed before the abort is
            // past this point and stored as usual.
            throw new ResponseOwnerGoneException();
        }

        reason ??= CheckResponse(response, state.Policy);

        // The key's user part was taken before the endpoint ran. An endpoint can still authenticate the request itself
        // (a policy with its own AuthenticationSchemes in MVC's global AuthorizeFilter, HttpContext.AuthenticateAsync,
        // the cache placed before UseAuthorization): its response is then personal while the key says anonymous (or
        // another user), and storing it would serve it to them.
        if (reason is null && !SameUser(context, state))
        {
            reason = NotStoredReason.Authenticated;
        }

        // A response made from session data is as personal as one made for a signed-in user, and the key cannot say
        // whose session it was. Detected for AddSessionSharing's sessions; the framework's own AddSession cannot tell.
        if (reason is null && context.Features.Get<ISessionFeature>()?.Session is TrackedSession { WasUsed: true })
        {
            reason = NotStoredReason.Session;
        }

        if (reason is { } refusal)
        {
            return NotCached(factoryContext, state, refusal);
        }

        var tags = state.Policy.Tags.Resolve(context.Request.RouteValues, out var refused);
        if (refused > 0)
        {
            return NotCached(factoryContext, state, NotStoredReason.Tag);
        }

        CachedResponse entry;
        try
        {
            entry = new CachedResponse(response.StatusCode, storedAt.UtcTicks, SnapshotHeaders(response.Headers), body);
        }
        catch (InvalidDataException)
        {
            return NotCached(factoryContext, state, NotStoredReason.InvalidHeader);
        }

        foreach (var tag in tags)
        {
            factoryContext.Tags.Add(tag);
        }

        if (!state.SecondLevel && VariesByEncoding(response.Headers))
        {
            // Store the response under the key that includes Accept-Encoding, and a marker under this one that sends
            // later requests there.
            var secondKey = ResponseCacheKey.Build(context, state.Policy, state.User, ResponseCacheKey.NormalizeAcceptEncoding(context.Request.Headers.AcceptEncoding), _hashThreshold);
            await _cache.SetAsync(secondKey, entry, state.Policy.EntryOptions, tags, CancellationToken.None).ConfigureAwait(false);
            return CachedResponse.VaryByEncoding;
        }

        return entry;
    }

    private bool SameUser(HttpContext context, RunState state)
        => TryGetUserPart(context, state.Policy, out var user) && string.Equals(user, state.User, StringComparison.Ordinal);

    private CachedResponse NotCached(HybridCacheFactoryContext factoryContext, RunState state, NotStoredReason reason)
    {
        state.NotStored = reason;
        Log.NotCached(_logger, NotStoredReasons.Description(reason), state.Context.GetEndpoint()?.DisplayName ?? "(unnamed endpoint)");
        factoryContext.DoNotCache();
        return CachedResponse.NotCacheable;
    }

    private static async Task WriteOwnResponseAsync(HttpContext context, RunState state)
    {
        if (state.Streamed || state.Body is not { Length: > 0 } body)
        {
            return;
        }

        await context.Response.BodyWriter.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Why a response may not be stored, or null. Checked before and again after the OnStarting callbacks.</summary>
    private NotStoredReason? CheckResponse(HttpResponse response, ResponseCachePolicy policy)
    {
        var status = response.StatusCode;
        if ((uint)status >= (uint)_cacheableStatus.Length || !_cacheableStatus[status])
        {
            return NotStoredReason.Status;
        }

        var headers = response.Headers;
        if (headers.SetCookie.Count > 0)
        {
            return NotStoredReason.SetCookie;
        }

        var cacheControl = headers.CacheControl;
        if (HeaderUtilities.ContainsCacheDirective(cacheControl, CacheControlHeaderValue.NoStoreString)
            || HeaderUtilities.ContainsCacheDirective(cacheControl, CacheControlHeaderValue.PrivateString))
        {
            return NotStoredReason.CacheControl;
        }

        foreach (var value in headers.Vary)
        {
            foreach (var name in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (name == "*")
                {
                    return NotStoredReason.VaryStar;
                }

                if (!policy.AllowedVaryHeaders.Contains(name))
                {
                    return NotStoredReason.VaryHeader;
                }
            }
        }

        return null;
    }

    /// <summary>A strong ETag (the SHA-256 of the encoding and body, computed once here) and Last-Modified, unless the endpoint set them.</summary>
    private static void AddValidators(HttpResponse response, byte[] body, DateTimeOffset storedAt)
    {
        var headers = response.Headers;
        if (headers.ETag.Count == 0)
        {
            headers.ETag = ETagGenerator.Compute(headers.ContentEncoding, body);
        }

        if (headers.LastModified.Count == 0)
        {
            headers.LastModified = HeaderUtilities.FormatDate(storedAt);
        }
    }

    private static bool VariesByEncoding(IHeaderDictionary headers)
    {
        if (headers.ContentEncoding.Count > 0)
        {
            return true;
        }

        foreach (var value in headers.Vary)
        {
            if (value is not null && value.Contains("accept-encoding", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static KeyValuePair<string, StringValues>[] SnapshotHeaders(IHeaderDictionary headers)
    {
        var list = new List<KeyValuePair<string, StringValues>>(headers.Count);
        foreach (var header in headers)
        {
            if (!CachedResponse.IsForbidden(header.Key))
            {
                list.Add(header);
            }
        }

        return [.. list];
    }

    /// <summary>
    /// One request's part in a run. <see cref="TryClaim"/> (by the factory) and <see cref="Close"/> or
    /// <see cref="Abandon"/> (by the request, once its call returned or threw) race on one field: whichever comes first
    /// decides whether this request is the owner, so the factory can never start on a request that has already been
    /// answered or has gone away, and can tell the two apart.
    /// </summary>
    private sealed class RunState(ResponseCacheMiddleware middleware, HttpContext context, ResponseCachePolicy policy, string? user, bool secondLevel)
    {
        private const int Open = 0;
        private const int Claimed = 1;
        private const int Closed = 2;
        private const int Abandoned = 3;

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _phase;

        public ResponseCacheMiddleware Middleware { get; } = middleware;

        public HttpContext Context { get; } = context;

        public ResponseCachePolicy Policy { get; } = policy;

        public string? User { get; } = user;

        public bool SecondLevel { get; } = secondLevel;

        /// <summary>The owner's buffered body, written after the run.</summary>
        public byte[]? Body { get; set; }

        /// <summary>The endpoint ran to completion on the owner's context (its response is the owner's to write).</summary>
        public bool Produced { get; set; }

        /// <summary>The owner's body went straight to the client (too large, or buffering disabled).</summary>
        public bool Streamed { get; set; }

        /// <summary>Why the owner's response was not stored; null when it was (or the run did not finish).</summary>
        public NotStoredReason? NotStored { get; set; }

        /// <summary>Completes when the factory, having claimed this state, is done with the HttpContext.</summary>
        public Task Completion => _done.Task;

        /// <summary>
        /// The request left without an answer before the factory could claim the state. Final once
        /// <see cref="TryClaim"/> has failed.
        /// </summary>
        public bool IsAbandoned => Volatile.Read(ref _phase) == Abandoned;

        public bool TryClaim() => Interlocked.CompareExchange(ref _phase, Claimed, Open) == Open;

        public void MarkDone() => _done.TrySetResult();

        /// <summary>Closes the state once the request has its answer; true when the factory had claimed it (this request is the owner).</summary>
        public bool Close() => Interlocked.CompareExchange(ref _phase, Closed, Open) == Claimed;

        /// <summary>Closes the state when the request's call threw (it waits no more); true when the factory had claimed it.</summary>
        public bool Abandon() => Interlocked.CompareExchange(ref _phase, Abandoned, Open) == Claimed;
    }
}
