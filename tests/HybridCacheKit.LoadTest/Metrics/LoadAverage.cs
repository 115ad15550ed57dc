using System.Globalization;

namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>The machine's 1/5/15-minute load averages (/proc/loadavg): other work on a shared machine shows here.</summary>
internal static class LoadAverage
{
    public static double[]? Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return [Parse(parts[0]), Parse(parts[1]), Parse(parts[2])];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static string Format(double[]? load) => load is null ? "n/a" : string.Join(" / ", load.Select(l => l.ToString("0.00", CultureInfo.InvariantCulture)));

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
