using HybridCacheKit;
using HybridCacheKit.AspNetCore;
using HybridCacheKit.AspNetCore.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Shares ASP.NET Core sessions across the nodes of a load-balanced application.</summary>
public static class HybridCacheKitSessionSharingExtensions
{
    /// <summary>
    /// Adds ASP.NET Core session over the registered distributed cache (HybridCacheKit's Redis cache when
    /// <c>AddStackExchangeRedis</c> is used), with cookie defaults for load-balanced HTTPS (HttpOnly, SameSite=Lax,
    /// Secure), a shared Data Protection application name, and fewer Redis round trips per request than ASP.NET Core's
    /// own session store: one for an unmodified session, two for a modified one. Pair it with <c>app.UseSession()</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHybridCacheKit</c>.</param>
    /// <param name="configure">Optional settings: application name, idle timeout, cookie.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// <para>The session cookie is protected with the Data Protection key ring, which must be shared too. This package
    /// does not store keys itself: with Redis, also call <c>AddRedisDataProtection("app-name")</c> (package
    /// HybridCacheKit.StackExchangeRedis), or configure any shared <c>IXmlRepository</c>. At start-up a Critical log
    /// (event 3320) reports a key ring that is not shared, and 3321 an application name that differs between
    /// machines.</para>
    /// <para>Configure session through <see cref="SessionSharingOptions"/>: a later <c>AddSession(o =&gt; ...)</c> would
    /// override these settings. Safe to call more than once.</para>
    /// </remarks>
    public static IHybridCacheKitBuilder AddSessionSharing(this IHybridCacheKitBuilder builder, Action<SessionSharingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<SessionSharingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionSharingOptions>, SessionSharingOptionsValidator>());
        services.AddSession();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<SessionOptions>, SessionOptionsSetup>());
        services.RemoveAll<ISessionStore>();
        services.AddSingleton<ISessionStore, SharedSessionStore>();

        services.AddDataProtection();
        services.TryAddSingleton<SessionSharingState>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<DataProtectionOptions>, SessionSharingDataProtectionSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionSharingStartupCheck>());
        return builder;
    }
}
