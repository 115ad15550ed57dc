using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// Gives Data Protection the shared application name (see <see cref="SessionSharingOptions.ApplicationName"/>). Runs
/// after every other configuration, so it can tell a name set elsewhere from Data Protection's own default (the
/// content root path, which differs between machines and deployment folders).
/// </summary>
internal sealed class SessionSharingDataProtectionSetup(
    IServiceProvider services,
    IOptions<SessionSharingOptions> options,
    SessionSharingState state,
    IHostEnvironment? environment = null) : IPostConfigureOptions<DataProtectionOptions>
{
    public void PostConfigure(string? name, DataProtectionOptions dataProtection)
    {
        ArgumentNullException.ThrowIfNull(dataProtection);
        var current = dataProtection.ApplicationDiscriminator;
        var isDefault = string.IsNullOrEmpty(current) || string.Equals(current, services.GetApplicationUniqueIdentifier(), StringComparison.Ordinal);
        var configured = options.Value.ApplicationName;
        if (configured is not null)
        {
            state.ReplacedOtherName = !isDefault && !string.Equals(current, configured, StringComparison.Ordinal);
            dataProtection.ApplicationDiscriminator = configured;
            state.Source = ApplicationNameSource.SessionSharingOption;
        }
        else if (!isDefault)
        {
            state.Source = ApplicationNameSource.ConfiguredElsewhere;
        }
        else if (!string.IsNullOrWhiteSpace(environment?.ApplicationName))
        {
            dataProtection.ApplicationDiscriminator = environment.ApplicationName;
            state.Source = ApplicationNameSource.HostApplicationName;
        }
        else
        {
            state.Source = ApplicationNameSource.DataProtectionDefault;
        }
    }
}
