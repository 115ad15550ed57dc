using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

// Hits: status, the prevalidated headers, Age and Content-Length, then the body in one write of the stored array.
// Conditional requests (If-None-Match, else If-Modified-Since) get a 304 with the headers RFC 9110 asks for.
// Every answer from a stored response is counted here, once, as a hit, a stampede join or a stale serve.
internal sealed partial class ResponseCacheMiddleware
{
    private static readonly string?[] s_ageStrings = new string?[4096];

    /// <summary>How the stored response being served was found; decides which counter it goes to.</summary>
    private enum ServeSource : byte
    {
        /// <summary>The middleware's own L1 read.</summary>
        L1,

        /// <summary>Found by the engine after the L1 read missed, stored before this request asked (L2, or a race).</summary>
        L2,

        /// <summary>Stored by a run that started while this request waited for it.</summary>
        Join,

        /// <summary>The engine's fail-safe answered this request's own failed run with the stale response.</summary>
        FailSafe,
    }

    private Task ServeAsync(HttpContext context, CachedResponse entry, bool head, ResponseCachePolicy policy, ServeSource source, long started)
    {
        var response = context.Response;
        var headers = response.Headers;
        var ageTicks = AgeTicks(entry);
        var age = FormatAge(ageTicks);

        // Older than the policy's duration (and any jitter the engine adds to it) means fail-safe kept it past its life:
        // the throttled copy it re-arms in L1, a soft timeout, or a waiter of a run that failed.
        var stale = source == ServeSource.FailSafe || ageTicks >= policy.Duration.Ticks + _jitterTicks;
        if (IsNotModified(context.Request, entry))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            Copy(headers, entry.NotModifiedHeaders);
            headers.Age = age;
            _metrics.NotModified();
            Count(source, stale, started);
            return Task.CompletedTask;
        }

        response.StatusCode = entry.StatusCode;
        Copy(headers, entry.Headers);
        headers.Age = age;
        var body = entry.Body;
        if (entry.StatusCode != StatusCodes.Status204NoContent)
        {
            response.ContentLength = body.Length;
        }

        if (head || body.Length == 0)
        {
            Count(source, stale, started);
            return Task.CompletedTask;
        }

        var pending = response.BodyWriter.WriteAsync(body, context.RequestAborted);
        Count(source, stale, started);
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : AwaitWriteAsync(pending);
    }

    private void Count(ServeSource source, bool stale, long started)
    {
        if (stale)
        {
            _metrics.StaleServed();
        }
        else if (source == ServeSource.Join)
        {
            _metrics.StampedeJoin();
        }
        else
        {
            var l2 = source == ServeSource.L2;
            _metrics.Hit(l2);
            if (started != NotTimed)
            {
                _metrics.HitDuration(l2, _time.GetElapsedTime(started));
            }
        }
    }

    private static async Task AwaitWriteAsync(ValueTask<FlushResult> pending) => await pending.ConfigureAwait(false);

    private static void Copy(IHeaderDictionary headers, KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[] stored)
    {
        for (var i = 0; i < stored.Length; i++)
        {
            headers[stored[i].Key] = stored[i].Value;
        }
    }

    private long AgeTicks(CachedResponse entry)
    {
        var ticks = _time.GetUtcNow().UtcTicks - entry.StoredUtcTicks;
        return ticks < 0 ? 0 : ticks; // another node's clock runs ahead of ours
    }

    private static string FormatAge(long ageTicks)
    {
        var seconds = ageTicks / TimeSpan.TicksPerSecond;
        if (seconds < s_ageStrings.Length)
        {
            return s_ageStrings[seconds] ??= seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsNotModified(HttpRequest request, CachedResponse entry)
    {
        // Preconditions apply only to what would be a 2xx response (RFC 9110 section 13.2.1): a stored 404 or 301
        // answers a conditional request with itself, never with 304.
        if (entry.StatusCode is < 200 or > 299)
        {
            return false;
        }

        var requestHeaders = request.Headers;
        var ifNoneMatch = requestHeaders.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            // If-None-Match wins over If-Modified-Since; it uses the weak comparison (RFC 9110 section 13.1.2).
            if (entry.ETag is null || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
            {
                return false;
            }

            foreach (var tag in tags)
            {
                if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(entry.ETag, useStrongComparison: false))
                {
                    return true;
                }
            }

            return false;
        }

        var ifModifiedSince = requestHeaders.IfModifiedSince;
        return ifModifiedSince.Count > 0
            && entry.LastModified is { } lastModified
            && HeaderUtilities.TryParseDate(ifModifiedSince.ToString(), out var since)
            && lastModified <= since;
    }
}
