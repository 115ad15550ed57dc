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

        if (options.InstanceName is null)
        {
            errors.Add("InstanceName must not be null (use the empty string for no prefix).");
        }

        Positive(errors, options.OperationTimeout, nameof(options.OperationTimeout));
        Positive(errors, options.CircuitBreakDuration, nameof(options.CircuitBreakDuration));
        Positive(errors, options.LockExpiry, nameof(options.LockExpiry));
        Positive(errors, options.LockWaitTimeout, nameof(options.LockWaitTimeout));
        if (options.CircuitBreakerFailureThreshold < 1)
        {
            errors.Add($"CircuitBreakerFailureThreshold must be at least 1 (was {options.CircuitBreakerFailureThreshold}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }
}
