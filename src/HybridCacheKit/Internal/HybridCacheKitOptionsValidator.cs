using Microsoft.Extensions.Options;

namespace HybridCacheKit.Internal;

/// <summary>Rejects settings that cannot work, with a message naming the setting.</summary>
internal sealed class HybridCacheKitOptionsValidator : IValidateOptions<HybridCacheKitOptions>
{
    public ValidateOptionsResult Validate(string? name, HybridCacheKitOptions options)
    {
        var errors = new List<string>();
        if (options.MaximumPayloadBytes <= 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.MaximumPayloadBytes)} must be positive (was {options.MaximumPayloadBytes}).");
        }

        if (options.MaximumKeyLength <= 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.MaximumKeyLength)} must be positive (was {options.MaximumKeyLength}).");
        }

        if (options.LocalCacheSizeLimitBytes is <= 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.LocalCacheSizeLimitBytes)} must be positive or null (was {options.LocalCacheSizeLimitBytes}).");
        }

        if (options.CompressionThresholdBytes < 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.CompressionThresholdBytes)} must not be negative (was {options.CompressionThresholdBytes}).");
        }

        RequireTimeout(errors, options.DistributedCacheTimeout, nameof(HybridCacheKitOptions.DistributedCacheTimeout));
        RequireDuration(errors, options.FailSafeMaxDuration, nameof(HybridCacheKitOptions.FailSafeMaxDuration));
        RequireDuration(errors, options.FailSafeThrottleDuration, nameof(HybridCacheKitOptions.FailSafeThrottleDuration));
        RequireDuration(errors, options.TagInvalidationRetention, nameof(HybridCacheKitOptions.TagInvalidationRetention));
        if (options.FactorySoftTimeout is { } soft)
        {
            RequireTimeout(errors, soft, nameof(HybridCacheKitOptions.FactorySoftTimeout));
        }

        if (options.FactoryHardTimeout is { } hard)
        {
            RequireTimeout(errors, hard, nameof(HybridCacheKitOptions.FactoryHardTimeout));
            if (options.FactorySoftTimeout is { } s && s >= hard)
            {
                errors.Add($"{nameof(HybridCacheKitOptions.FactorySoftTimeout)} ({s}) must be shorter than {nameof(HybridCacheKitOptions.FactoryHardTimeout)} ({hard}).");
            }
        }

        if (double.IsNaN(options.EagerRefreshBeta) || options.EagerRefreshBeta < 0 || double.IsInfinity(options.EagerRefreshBeta))
        {
            errors.Add($"{nameof(HybridCacheKitOptions.EagerRefreshBeta)} must be a finite number >= 0 (was {options.EagerRefreshBeta}).");
        }

        if (options.ExpirationJitter < TimeSpan.Zero || options.ExpirationJitter > MaxDuration)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.ExpirationJitter)} must be between zero and {MaxDuration.TotalDays:0} days (was {options.ExpirationJitter}).");
        }

        if (options.TagStateCacheDuration < TimeSpan.Zero || options.TagStateCacheDuration > MaxDuration)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.TagStateCacheDuration)} must be between zero and {MaxDuration.TotalDays:0} days (was {options.TagStateCacheDuration}).");
        }

        if (options.AutoRecoveryMaxChanges <= 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.AutoRecoveryMaxChanges)} must be positive (was {options.AutoRecoveryMaxChanges}).");
        }

        RequireTimeout(errors, options.AutoRecoveryRetryInterval, nameof(HybridCacheKitOptions.AutoRecoveryRetryInterval));

        if (options.DefaultEntryOptions is { } d)
        {
            if (d.Expiration is { } e && e <= TimeSpan.Zero)
            {
                errors.Add($"{nameof(HybridCacheKitOptions.DefaultEntryOptions)}.Expiration must be positive (was {e}).");
            }

            if (d.LocalCacheExpiration is { } l && l <= TimeSpan.Zero)
            {
                errors.Add($"{nameof(HybridCacheKitOptions.DefaultEntryOptions)}.LocalCacheExpiration must be positive (was {l}).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// The longest timeout or retry interval: .NET timers (CancellationTokenSource, Task.WaitAsync, ITimer) refuse delays
    /// above 2^32 - 2 ms (49.7 days) and would throw on first use, inside a cache call. A margin is left for the deadline
    /// slots' rounding.
    /// </summary>
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>The longest duration setting (retention, fail-safe, jitter): 10 years, as entries' expirations are capped.</summary>
    internal static readonly TimeSpan MaxDuration = DefaultHybridCache.MaxEntryExpiration;

    private static void RequireTimeout(List<string> errors, TimeSpan value, string name) => RequireWithin(errors, value, name, MaxTimeout);

    private static void RequireDuration(List<string> errors, TimeSpan value, string name) => RequireWithin(errors, value, name, MaxDuration);

    private static void RequireWithin(List<string> errors, TimeSpan value, string name, TimeSpan max)
    {
        if (value <= TimeSpan.Zero || value > max)
        {
            errors.Add($"{name} must be positive and at most {max.TotalDays:0} days (was {value}).");
        }
    }
}
