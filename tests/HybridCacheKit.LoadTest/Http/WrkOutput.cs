using System.Globalization;
using System.Text.RegularExpressions;
using HybridCacheKit.LoadTest.Report;

namespace HybridCacheKit.LoadTest.Http;

/// <summary>Reads wrk's text output (with --latency): requests/s, the latency distribution, request and error counts.</summary>
internal static partial class WrkOutput
{
    public static WrkResult Parse(string endpoint, string output)
    {
        var rps = RequestsPerSecond().Match(output) is { Success: true } m ? Number(m.Groups[1].Value) : 0;
        var requests = Requests().Match(output) is { Success: true } r ? (long)Number(r.Groups[1].Value) : 0;
        long socketErrors = 0;
        if (SocketErrors().Match(output) is { Success: true } s)
        {
            for (var i = 1; i <= 4; i++)
            {
                socketErrors += long.Parse(s.Groups[i].Value, CultureInfo.InvariantCulture);
            }
        }

        var non2xx = Non2xx().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(endpoint, rps, Percentile(output, "50"), Percentile(output, "90"), Percentile(output, "99"), requests, socketErrors, non2xx, output);
    }

    /// <summary>A latency percentile line such as "     99%    3.21ms", in milliseconds (NaN when absent).</summary>
    private static double Percentile(string output, string percent)
    {
        var match = Regex.Match(output, @"^\s+" + percent + @"(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            return double.NaN;
        }

        var value = Number(match.Groups[1].Value);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();
}
