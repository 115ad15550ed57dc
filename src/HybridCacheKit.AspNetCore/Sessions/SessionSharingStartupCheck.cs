using HybridCacheKit.Distributed;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// Checks at start-up that sessions can actually be shared, and says loudly (Critical) when they cannot: a session
/// cookie is protected with the Data Protection key ring and the application name, so a node with its own keys or
/// another name rejects every other node's cookie and silently starts a new, empty session on each hop.
/// Fails start-up only when sessions could not work even on one node: no distributed cache is registered at all, or
/// the cache refuses the sliding expiration every session is stored with.
/// </summary>
internal sealed partial class SessionSharingStartupCheck(
    IServiceProvider services,
    IOptions<SessionSharingOptions> options,
    SessionSharingState state,
    ILogger<SessionSharingStartupCheck>? logger = null) : IHostedService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var cache = services.GetService<IDistributedCache>() ?? throw new InvalidOperationException(SessionSharingMessages.NoDistributedCache);
        if (cache is MemoryDistributedCache)
        {
            Log.CacheNotShared(_logger, cache.GetType().FullName!);
        }

        // Every session commit writes with a sliding expiration (the idle timeout), and SessionMiddleware swallows a
        // failed commit: a cache that refuses sliding expirations would silently store no session at all.
        if (cache is IHybridCacheDistributedCacheSlidingExpiration { SupportsSlidingExpiration: false })
        {
            throw new InvalidOperationException(SessionSharingMessages.NoSlidingExpiration(cache.GetType().Name));
        }

        // Building Data Protection's options runs SessionSharingDataProtectionSetup, which fills the state.
        var dataProtection = services.GetRequiredService<IOptions<DataProtectionOptions>>().Value;
        var keyManagement = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value;
        var provider = services.GetService<IDataProtectionProvider>();
        if (KeyRingProblem(provider, keyManagement.XmlRepository, options.Value.KeyRingIsShared) is { } problem)
        {
            Log.KeyRingNotShared(_logger, problem);
        }

        if (string.IsNullOrEmpty(dataProtection.ApplicationDiscriminator) || state.Source == ApplicationNameSource.DataProtectionDefault)
        {
            Log.ApplicationNameNotShared(_logger);
        }

        if (state.ReplacedOtherName)
        {
            Log.ApplicationNameReplaced(_logger);
        }

        Log.Ready(
            _logger,
            cache.GetType().Name,
            cache is IHybridCacheDistributedCacheDurableView
                ? $"each call waits up to {options.Value.StoreTimeout}, outside the cache's circuit breaker"
                : "with the cache's own timeouts",
            provider is EphemeralDataProtectionProvider ? nameof(EphemeralDataProtectionProvider) : keyManagement.XmlRepository?.GetType().Name ?? "(default)",
            dataProtection.ApplicationDiscriminator ?? "(none)",
            state.Source.ToString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Why the key ring is not shared between nodes, or <see langword="null"/> when it is (or the user says so).</summary>
    internal static string? KeyRingProblem(IDataProtectionProvider? provider, IXmlRepository? repository, bool declaredShared)
    {
        if (provider is EphemeralDataProtectionProvider)
        {
            return "the ephemeral Data Protection provider keeps its keys in this process's memory";
        }

        // The declaration comes before the missing-repository check: with no repository configured, Data Protection
        // picks a folder by itself, which is shared on some hosts (Azure App Service's %HOME%, a mounted volume).
        if (declaredShared)
        {
            return null;
        }

        if (repository is null)
        {
            return "no key repository is configured, so Data Protection keeps keys in a folder of this machine (or in memory)";
        }

        return repository switch
        {
            FileSystemXmlRepository => "the key ring is a folder on this machine (set SessionSharingOptions.KeyRingIsShared if every node mounts the same folder)",
            _ when repository.GetType().Name.Contains("Registry", StringComparison.Ordinal) => "the key ring is in this machine's registry",
            _ when repository.GetType().Name.Contains("Ephemeral", StringComparison.Ordinal) => "the key ring is in this process's memory",
            _ => null,
        };
    }

    // Event ids 3320-3339: session sharing. Session keys, ids and contents are never logged.
    private static partial class Log
    {
        [LoggerMessage(3320, LogLevel.Critical, "Session sharing is on, but the Data Protection key ring is not shared: {Problem}. Other nodes cannot read this node's session cookies and every hop starts a new, empty session. Store the keys where every node reads them: AddRedisDataProtection(\"app-name\") on the HybridCacheKit builder, or services.AddDataProtection().PersistKeysToHybridCacheKitRedis().")]
        public static partial void KeyRingNotShared(ILogger logger, string problem);

        [LoggerMessage(3321, LogLevel.Critical, "Session sharing is on, but the Data Protection application name is its default (the content root path), which differs between machines, so nodes may reject each other's session cookies. Set SessionSharingOptions.ApplicationName.")]
        public static partial void ApplicationNameNotShared(ILogger logger);

        [LoggerMessage(3322, LogLevel.Warning, "SessionSharingOptions.ApplicationName replaced a different Data Protection application name configured elsewhere; cookies protected under the other name are no longer readable.")]
        public static partial void ApplicationNameReplaced(ILogger logger);

        [LoggerMessage(3323, LogLevel.Warning, "Session sharing is on, but the distributed cache ({CacheType}) keeps sessions in this process's memory: other nodes cannot see them. Register a shared cache, e.g. AddStackExchangeRedis(...) on the HybridCacheKit builder.")]
        public static partial void CacheNotShared(ILogger logger, string cacheType);

        [LoggerMessage(3324, LogLevel.Information, "Session sharing: sessions in {CacheType} ({StoreCalls}), Data Protection keys in {KeyRepository}, application name '{ApplicationName}' ({NameSource}).")]
        public static partial void Ready(ILogger logger, string cacheType, string storeCalls, string keyRepository, string applicationName, string nameSource);
    }
}
