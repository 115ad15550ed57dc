using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

// Hits: status, the prevalidated headers, Age and Content-Length, then the body in one write of the stored array.
// Conditional requests (If-None-Match, else If-Modified-Since) get a 304 with the headers RFC 9110 asks for.
internal sealed partial class ResponseCacheMiddleware
{
    private static readonly string?[] s_ageStrings = new string?[4096];

    private Task ServeAsync(HttpContext context, CachedResponse entry, bool head)
    {
        var response = context.Response;
        var headers = response.Headers;
        var age = FormatAge(entry);
        if (IsNotModified(context.Request, entry))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            Copy(headers, entry.NotModifiedHeaders);
            headers.Age = age;
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
            return Task.CompletedTask;
        }

        var pending = response.BodyWriter.WriteAsync(body, context.RequestAborted);
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : AwaitWriteAsync(pending);
    }

    private static async Task AwaitWriteAsync(ValueTask<FlushResult> pending) => await pending.ConfigureAwait(false);

    private static void Copy(IHeaderDictionary headers, KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[] stored)
    {
        for (var i = 0; i < stored.Length; i++)
        {
            headers[stored[i].Key] = stored[i].Value;
        }
    }

    private string FormatAge(CachedResponse entry)
    {
        var seconds = (_time.GetUtcNow().UtcTicks - entry.StoredUtcTicks) / TimeSpan.TicksPerSecond;
        if (seconds < 0)
        {
            seconds = 0; // another node's clock runs ahead of ours
        }

        if (seconds < s_ageStrings.Length)
        {
            return s_ageStrings[seconds] ??= seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsNotModified(HttpRequest request, CachedResponse entry)
    {
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
