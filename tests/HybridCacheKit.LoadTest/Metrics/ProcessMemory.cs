using System.Globalization;

namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>Resident memory from /proc/self/status: VmRSS (now) and VmHWM (the peak since the process started).</summary>
internal static class ProcessMemory
{
    public static long? CurrentRssBytes() => Read("VmRSS:");

    public static long? PeakRssBytes() => Read("VmHWM:");

    private static long? Read(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
