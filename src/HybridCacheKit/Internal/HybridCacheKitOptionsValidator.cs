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

        RequirePositive(errors, options.DistributedCacheTimeout, nameof(HybridCacheKitOptions.DistributedCacheTimeout));
        RequirePositive(errors, options.FailSafeMaxDuration, nameof(HybridCacheKitOptions.FailSafeMaxDuration));
        RequirePositive(errors, options.FailSafeThrottleDuration, nameof(HybridCacheKitOptions.FailSafeThrottleDuration));
        RequirePositive(errors, options.TagInvalidationRetention, nameof(HybridCacheKitOptions.TagInvalidationRetention));
        if (options.FactorySoftTimeout is { } soft)
        {
            RequirePositive(errors, soft, nameof(HybridCacheKitOptions.FactorySoftTimeout));
        }

        if (options.FactoryHardTimeout is { } hard)
        {
            RequirePositive(errors, hard, nameof(HybridCacheKitOptions.FactoryHardTimeout));
            if (options.FactorySoftTimeout is { } s && s >= hard)
            {
                errors.Add($"{nameof(HybridCacheKitOptions.FactorySoftTimeout)} ({s}) must be shorter than {nameof(HybridCacheKitOptions.FactoryHardTimeout)} ({hard}).");
            }
        }

        if (double.IsNaN(options.EagerRefreshBeta) || options.EagerRefreshBeta < 0 || double.IsInfinity(options.EagerRefreshBeta))
        {
            errors.Add($"{nameof(HybridCacheKitOptions.EagerRefreshBeta)} must be a finite number >= 0 (was {options.EagerRefreshBeta}).");
        }

        if (options.ExpirationJitter < TimeSpan.Zero)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.ExpirationJitter)} must not be negative (was {options.ExpirationJitter}).");
        }

        if (options.TagStateCacheDuration < TimeSpan.Zero)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.TagStateCacheDuration)} must not be negative (was {options.TagStateCacheDuration}).");
        }

        if (options.AutoRecoveryMaxChanges <= 0)
        {
            errors.Add($"{nameof(HybridCacheKitOptions.AutoRecoveryMaxChanges)} must be positive (was {options.AutoRecoveryMaxChanges}).");
        }

        RequirePositive(errors, options.AutoRecoveryRetryInterval, nameof(HybridCacheKitOptions.AutoRecoveryRetryInterval));

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

    private static void RequirePositive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive (was {value}).");
        }
    }
}
