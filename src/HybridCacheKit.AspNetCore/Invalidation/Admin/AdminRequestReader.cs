using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HybridCacheKit.AspNetCore.Invalidation.Admin;

/// <summary>
/// Reads an admin request body of the form <c>{"tags": ["a", "b"]}</c> (or <c>"keys"</c>) within the configured
/// limits, never buffering more than <c>MaxRequestBodyBytes</c>.
/// </summary>
internal static class AdminRequestReader
{
    /// <summary>The outcome: the values, or an HTTP status and a reason that never quotes the input.</summary>
    public readonly record struct Result(List<string>? Values, int StatusCode, string? Reason)
    {
        public static Result Refused(int statusCode, string reason) => new(null, statusCode, reason);
    }

    public static async Task<Result> ReadListAsync(
        HttpContext context,
        string propertyName,
        int maxItems,
        int maxBodyBytes,
        Func<string?, int, string?> check,
        int maxValueLength)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            // Also what keeps a cross-site HTML form (which cannot send application/json) from triggering a POST.
            return Result.Refused(StatusCodes.Status415UnsupportedMediaType, "the body must be application/json");
        }

        if (request.ContentLength > maxBodyBytes)
        {
            return TooLarge(maxBodyBytes);
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false } && !(sizeFeature.MaxRequestBodySize <= maxBodyBytes))
        {
            sizeFeature.MaxRequestBodySize = maxBodyBytes;
        }

        using var body = new MemoryStream((int)Math.Min(request.ContentLength ?? 1024, maxBodyBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > maxBodyBytes)
                {
                    return TooLarge(maxBodyBytes);
                }

                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBodyBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return Parse(body.GetBuffer().AsSpan(0, (int)body.Length), propertyName, maxItems, check, maxValueLength);
    }

    private static Result TooLarge(int maxBodyBytes)
        => Result.Refused(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {maxBodyBytes} bytes");

    internal static Result Parse(ReadOnlySpan<byte> json, string propertyName, int maxItems, Func<string?, int, string?> check, int maxValueLength)
    {
        var expected = $"the body must be {{\"{propertyName}\": [\"...\"]}}";
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Result.Refused(StatusCodes.Status400BadRequest, expected);
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(propertyName))
            {
                return Result.Refused(StatusCodes.Status400BadRequest, expected);
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return Result.Refused(StatusCodes.Status400BadRequest, expected);
            }

            var values = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return Result.Refused(StatusCodes.Status400BadRequest, $"every item of \"{propertyName}\" must be a string");
                }

                if (values.Count == maxItems)
                {
                    return Result.Refused(StatusCodes.Status400BadRequest, $"more than {maxItems} items in one request");
                }

                var value = reader.GetString();
                var reason = check(value, maxValueLength);
                if (reason is not null)
                {
                    return Result.Refused(StatusCodes.Status400BadRequest, $"item {values.Count + 1}: {reason}");
                }

                if (seen.Add(value!))
                {
                    values.Add(value!);
                }
            }

            if (reader.TokenType != JsonTokenType.EndArray || !reader.Read() || reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return Result.Refused(StatusCodes.Status400BadRequest, expected);
            }

            return values.Count == 0
                ? Result.Refused(StatusCodes.Status400BadRequest, $"\"{propertyName}\" is empty")
                : new Result(values, StatusCodes.Status200OK, null);
        }
        catch (JsonException)
        {
            return Result.Refused(StatusCodes.Status400BadRequest, "the body is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            // GetString on an escaped lone surrogate or invalid UTF-8.
            return Result.Refused(StatusCodes.Status400BadRequest, "the body holds a string that is not valid text");
        }
    }
}
