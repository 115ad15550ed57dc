using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>Checks <see cref="DistributedResponseCacheOptions"/> at start-up; each failure names the setting.</summary>
internal sealed class DistributedResponseCacheOptionsValidator : IValidateOptions<DistributedResponseCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, DistributedResponseCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.DefaultDuration <= TimeSpan.Zero)
        {
            failures.Add($"DistributedResponseCacheOptions.DefaultDuration must be positive (was {options.DefaultDuration}).");
        }

        if (options.DefaultLocalDuration is { } local && local <= TimeSpan.Zero)
        {
            failures.Add($"DistributedResponseCacheOptions.DefaultLocalDuration must be positive or null (was {local}).");
        }

        if (options.MaximumBodySize <= 0 || options.MaximumBodySize > Array.MaxLength)
        {
            failures.Add($"DistributedResponseCacheOptions.MaximumBodySize must be between 1 and {Array.MaxLength} bytes (was {options.MaximumBodySize}).");
        }

        if (options.CacheableStatusCodes.Count == 0)
        {
            failures.Add("DistributedResponseCacheOptions.CacheableStatusCodes must not be empty.");
        }

        foreach (var status in options.CacheableStatusCodes)
        {
            if (status is < 200 or > 599 or 304)
            {
                failures.Add($"DistributedResponseCacheOptions.CacheableStatusCodes: {status} cannot be cached (allowed: 200-599 except 304).");
            }
        }

        foreach (var (policyName, settings) in options.Policies)
        {
            try
            {
                ResponseCachePolicyResolver.Build(settings, options, allowPolicyName: false);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"DistributedResponseCacheOptions policy '{policyName}': {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
