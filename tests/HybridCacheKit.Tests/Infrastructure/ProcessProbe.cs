using System.Diagnostics;

namespace HybridCacheKit.Tests.Infrastructure;

internal static class ProcessProbe
{
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
