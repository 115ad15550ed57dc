namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>What the Data Protection set-up decided about the application name, for the start-up check to report.</summary>
internal sealed class SessionSharingState
{
    /// <summary>Where the application name in use came from.</summary>
    public volatile ApplicationNameSource Source;

    /// <summary>Whether <see cref="SessionSharingOptions.ApplicationName"/> replaced a different name configured elsewhere.</summary>
    public volatile bool ReplacedOtherName;
}

/// <summary>Where the Data Protection application name in use came from.</summary>
internal enum ApplicationNameSource
{
    /// <summary>Not decided yet (Data Protection's options were not built).</summary>
    Unknown,

    /// <summary><see cref="SessionSharingOptions.ApplicationName"/>.</summary>
    SessionSharingOption,

    /// <summary>Set elsewhere, e.g. <c>SetApplicationName</c> or <c>AddRedisDataProtection(name)</c>.</summary>
    ConfiguredElsewhere,

    /// <summary>The host's application name (entry assembly), replacing Data Protection's content-root default.</summary>
    HostApplicationName,

    /// <summary>Data Protection's own default (the content root path), which differs between machines.</summary>
    DataProtectionDefault,
}
