using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.OutputCaching;

/// <summary>Rejects store settings that cannot work, naming the setting.</summary>
internal sealed class HybridOutputCacheStoreOptionsValidator(IOptions<HybridCacheKitOptions> engineOptions) : IValidateOptions<HybridOutputCacheStoreOptions>
{
    private const int MaxPrefixLength = 256;

    public ValidateOptionsResult Validate(string? name, HybridOutputCacheStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var prefix = options.KeyPrefix;
        if (string.IsNullOrEmpty(prefix))
        {
            errors.Add($"{nameof(HybridOutputCacheStoreOptions.KeyPrefix)} must not be empty: it keeps output-cache keys and tags apart from the application's.");
        }
        else if (prefix.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            errors.Add($"{nameof(HybridOutputCacheStoreOptions.KeyPrefix)} must be printable ASCII.");
        }
        else if (prefix.StartsWith("__hck:", StringComparison.Ordinal))
        {
            errors.Add($"{nameof(HybridOutputCacheStoreOptions.KeyPrefix)} must not start with the engine's reserved prefix __hck:.");
        }
        else if (prefix.Length > MaxPrefixLength || prefix.Length + OutputCacheKeyEncoder.HashedFormLength > engineOptions.Value.MaximumKeyLength)
        {
            errors.Add($"{nameof(HybridOutputCacheStoreOptions.KeyPrefix)} is too long ({prefix.Length} characters; at most {MaxPrefixLength}, and {OutputCacheKeyEncoder.HashedFormLength} less than HybridCacheKitOptions.MaximumKeyLength).");
        }

        if (options.LocalCacheExpiration is { } local && local <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(HybridOutputCacheStoreOptions.LocalCacheExpiration)} must be positive or null (was {local}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
