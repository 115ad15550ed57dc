using Microsoft.Extensions.Options;

namespace HybridCacheKit.StackExchangeRedis.Internal;

/// <summary>Rejects Redis settings that cannot work, naming the setting.</summary>
internal sealed class HybridCacheKitRedisOptionsValidator : IValidateOptions<HybridCacheKitRedisOptions>
{
    public ValidateOptionsResult Validate(string? name, HybridCacheKitRedisOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration) && options.ConfigurationOptions is null && options.ConnectionMultiplexerFactory is null)
        {
            errors.Add("Set one of Configuration, ConfigurationOptions or ConnectionMultiplexerFactory.");
        }

        else if (options.ConfigurationOptions is null && options.ConnectionMultiplexerFactory is null && !Parses(options.Configuration!))
        {
            // The parser's message is left out: it quotes the setting it stopped at, which for a password holding ','
            // or '=' is part of the password ("Keyword 'cret' is not supported").
            errors.Add("Configuration is not a valid StackExchange.Redis configuration string: a setting in it is unknown or has an invalid value. "
                + "A password holding ',' or '=' cannot be written in a configuration string; set ConfigurationOptions (with Password) instead.");
        }

        if (options.InstanceName is null)
        {
            errors.Add("InstanceName must not be null (use the empty string for no prefix).");
        }

        Within(errors, options.OperationTimeout, nameof(options.OperationTimeout));
        Within(errors, options.CircuitBreakDuration, nameof(options.CircuitBreakDuration));
        Within(errors, options.LockExpiry, nameof(options.LockExpiry), MinLockExpiry);
        Within(errors, options.LockWaitTimeout, nameof(options.LockWaitTimeout));
        if (options.CircuitBreakerFailureThreshold < 1)
        {
            errors.Add($"CircuitBreakerFailureThreshold must be at least 1 (was {options.CircuitBreakerFailureThreshold}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool Parses(string configuration)
    {
        try
        {
            _ = StackExchange.Redis.ConfigurationOptions.Parse(configuration);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The longest of these settings. Each becomes a .NET timer or timed wait (the lock's renewal runs every LockExpiry/3),
    /// and those refuse delays above 2^32 - 2 ms (49.7 days): a longer value would throw on first use, inside a cache
    /// call, or, for LockExpiry, after the lock was taken. A longer circuit break would also overflow the breaker's clock.
    /// </summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(30);

    /// <summary>The shortest LockExpiry: Redis refuses PX 0 (a shorter value would truncate to it), and renewals every LockExpiry/3 need a period.</summary>
    internal static readonly TimeSpan MinLockExpiry = TimeSpan.FromMilliseconds(10);

    /// <summary>Requires <paramref name="value"/> in [<paramref name="min"/>, <see cref="MaxDuration"/>]; without a minimum, positive.</summary>
    private static void Within(List<string> errors, TimeSpan value, string name, TimeSpan? min = null)
    {
        if (value < (min ?? TimeSpan.FromTicks(1)) || value > MaxDuration)
        {
            var lower = min is { } m ? $"at least {m.TotalMilliseconds:0} ms" : "positive";
            errors.Add($"{name} must be {lower} and at most {MaxDuration.TotalDays:0} days (was {value}).");
        }
    }
}
