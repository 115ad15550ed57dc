using HybridCacheKit;
using HybridCacheKit.StackExchangeRedis.Internal;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores the ASP.NET Core Data Protection key ring in Redis, through HybridCacheKit's Redis connection.</summary>
public static class HybridCacheKitRedisDataProtectionExtensions
{
    /// <summary>
    /// Keeps the Data Protection keys in a Redis list, so every node of the application uses the same keys (cookies,
    /// antiforgery tokens and sessions then work whichever node serves a request). Uses the connection registered by
    /// <c>AddStackExchangeRedis</c> or <c>AddHybridCacheKitRedisCache</c>, and the same layout as Microsoft's
    /// <c>PersistKeysToStackExchangeRedis</c> (RPUSH/LRANGE on one list), so existing keys stay usable.
    /// </summary>
    /// <param name="builder">The builder from <c>AddDataProtection</c>.</param>
    /// <param name="key">
    /// The Redis key of the list, used exactly as given. When <see langword="null"/>, the instance name followed by
    /// <c>DataProtection-Keys</c> (Microsoft's default list name when there is no instance name).
    /// </param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The keys are stored as Data Protection writes them: unencrypted unless you also configure an encryptor (for
    /// example <c>ProtectKeysWithCertificate</c>), so restrict who can read Redis. When Redis cannot be reached within
    /// ten seconds, reading or storing keys throws <see cref="HybridCacheKit.StackExchangeRedis.RedisCacheUnavailableException"/>:
    /// Data Protection cannot work without its key ring.
    /// </remarks>
    public static IDataProtectionBuilder PersistKeysToHybridCacheKitRedis(this IDataProtectionBuilder builder, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (key is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
        }

        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new RedisXmlRepository(
                sp.GetService<RedisConnection>() ?? throw new InvalidOperationException(
                    "PersistKeysToHybridCacheKitRedis needs HybridCacheKit's Redis connection: call AddStackExchangeRedis(...) on the HybridCacheKit builder or services.AddHybridCacheKitRedisCache(...)."),
                key,
                timeout: null,
                sp.GetService<ILoggerFactory>())));
        return builder;
    }

    /// <summary>
    /// Adds ASP.NET Core Data Protection with its key ring in Redis: <c>AddDataProtection()</c>,
    /// <c>SetApplicationName(applicationName)</c> and <see cref="PersistKeysToHybridCacheKitRedis"/>. Every node must use
    /// the same application name and key to read each other's cookies and sessions.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHybridCacheKit</c>, with <c>AddStackExchangeRedis</c>.</param>
    /// <param name="applicationName">The name that isolates this application's protected data from other applications sharing the keys.</param>
    /// <param name="key">The Redis key of the list; see <see cref="PersistKeysToHybridCacheKitRedis"/>.</param>
    /// <returns>The builder.</returns>
    public static IHybridCacheKitBuilder AddRedisDataProtection(this IHybridCacheKitBuilder builder, string applicationName, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationName);
        builder.Services.AddDataProtection().SetApplicationName(applicationName).PersistKeysToHybridCacheKitRedis(key);
        return builder;
    }
}
