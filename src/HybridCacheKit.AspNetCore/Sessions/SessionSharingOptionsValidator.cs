using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>Rejects session-sharing settings that cannot work, naming the setting.</summary>
internal sealed class SessionSharingOptionsValidator : IValidateOptions<SessionSharingOptions>
{
    private static readonly System.Buffers.SearchValues<char> s_cookieNameForbidden = System.Buffers.SearchValues.Create(" ,;=\t\r\n");

    /// <summary>
    /// The longest StoreTimeout: it becomes a timed wait, and .NET refuses delays above 49.7 days, so a longer value
    /// would fail every session call instead of start-up. The Redis package caps its durations the same way.
    /// </summary>
    internal static readonly TimeSpan MaxStoreTimeout = TimeSpan.FromDays(30);

    public ValidateOptionsResult Validate(string? name, SessionSharingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ApplicationName is not null && string.IsNullOrWhiteSpace(options.ApplicationName))
        {
            errors.Add($"{nameof(SessionSharingOptions.ApplicationName)} must be null (keep the configured or default name) or a non-blank name.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(SessionSharingOptions.IdleTimeout)} must be positive (was {options.IdleTimeout}).");
        }

        if (options.IOTimeout <= TimeSpan.Zero && options.IOTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{nameof(SessionSharingOptions.IOTimeout)} must be positive or Timeout.InfiniteTimeSpan (was {options.IOTimeout}).");
        }

        if (options.StoreTimeout <= TimeSpan.Zero || options.StoreTimeout > MaxStoreTimeout)
        {
            errors.Add($"{nameof(SessionSharingOptions.StoreTimeout)} must be positive and at most {MaxStoreTimeout.TotalDays:0} days (was {options.StoreTimeout}).");
        }

        if (string.IsNullOrWhiteSpace(options.CookieName) || options.CookieName.AsSpan().ContainsAny(s_cookieNameForbidden))
        {
            errors.Add($"{nameof(SessionSharingOptions.CookieName)} must be a non-empty cookie name without spaces, commas, semicolons or '='.");
        }

        if (options.CookieSameSite == SameSiteMode.None && options.CookieSecurePolicy != CookieSecurePolicy.Always)
        {
            errors.Add($"{nameof(SessionSharingOptions.CookieSameSite)} = None needs {nameof(SessionSharingOptions.CookieSecurePolicy)} = Always: browsers reject SameSite=None cookies without Secure.");
        }

        if (options.CookiePath is null || !options.CookiePath.StartsWith('/'))
        {
            errors.Add($"{nameof(SessionSharingOptions.CookiePath)} must start with '/'.");
        }

        if (options.KeyPrefix is null || options.KeyPrefix.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            errors.Add($"{nameof(SessionSharingOptions.KeyPrefix)} must be printable ASCII (empty is allowed).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
