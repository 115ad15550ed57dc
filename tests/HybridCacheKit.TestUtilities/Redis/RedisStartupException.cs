namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>A redis-server process failed to start or to become ready; the message carries its output and log.</summary>
public sealed class RedisStartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisStartupException(string message, bool portInUse)
        : base(message)
    {
        PortInUse = portInUse;
    }

    /// <summary>True when the server could not bind its port because another process holds it.</summary>
    public bool PortInUse { get; }
}
