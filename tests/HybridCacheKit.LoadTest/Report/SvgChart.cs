using System.Globalization;
using System.Text;
using HybridCacheKit.LoadTest.Metrics;

namespace HybridCacheKit.LoadTest.Report;

/// <summary>
/// The latency distribution as a hand-written SVG: the percentile spectrum (HDR-style), one line per mode. The x axis is
/// the percentile on a "number of nines" scale (log10 of 1/(1-p)), so the tail gets the room; the y axis is latency on a
/// log scale.
/// </summary>
internal static class SvgChart
{
    private const int Width = 900;
    private const int Height = 520;
    private const int Left = 80;
    private const int Right = 220;
    private const int Top = 50;
    private const int Bottom = 60;
    private const double MaxNines = 5; // 99.999%
    private static readonly string[] s_colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];

    public static string Render(string title, IReadOnlyList<(string Label, long[] Counts)> series)
    {
        var maxNs = 1000L;
        var minNs = long.MaxValue;
        foreach (var (_, counts) in series)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] > 0)
                {
                    maxNs = Math.Max(maxNs, LatencyHistogram.HighestEquivalentValue(i));
                    minNs = Math.Min(minNs, Math.Max(1, LatencyHistogram.HighestEquivalentValue(i)));
                }
            }
        }

        var lowDecade = minNs == long.MaxValue ? 2 : Math.Floor(Math.Log10(minNs));
        var highDecade = Math.Ceiling(Math.Log10(maxNs));
        if (highDecade <= lowDecade)
        {
            highDecade = lowDecade + 1;
        }

        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(double nines) => Left + (Math.Min(nines, MaxNines) / MaxNines * plotW);
        double Y(double ns) => Top + plotH - ((Math.Log10(Math.Max(ns, 1)) - lowDecade) / (highDecade - lowDecade) * plotH);

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"));
        svg.Append(Inv($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Inv($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n"));

        // Grid: decades of latency, nines of percentile.
        for (var d = lowDecade; d <= highDecade; d++)
        {
            var y = Y(Math.Pow(10, d));
            svg.Append(Inv($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW}\" y2=\"{y:0.#}\" stroke=\"#dddddd\"/>\n"));
            svg.Append(Inv($"<text x=\"{Left - 8}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Escape(FormatNs(Math.Pow(10, d)))}</text>\n"));
        }

        string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"];
        for (var n = 0; n <= (int)MaxNines; n++)
        {
            var x = X(n);
            svg.Append(Inv($"<line x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{Top + plotH}\" stroke=\"#dddddd\"/>\n"));
            svg.Append(Inv($"<text x=\"{x:0.#}\" y=\"{Top + plotH + 18}\" text-anchor=\"middle\">{labels[n]}</text>\n"));
        }

        svg.Append(Inv($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#444444\"/>\n"));
        svg.Append(Inv($"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 15}\" text-anchor=\"middle\">percentile</text>\n"));
        svg.Append(Inv($"<text transform=\"translate(20 {Top + (plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">latency (log scale)</text>\n"));

        for (var s = 0; s < series.Count; s++)
        {
            var (label, counts) = series[s];
            var color = s_colors[s % s_colors.Length];
            var total = counts.Sum();
            if (total == 0)
            {
                continue;
            }

            var points = new StringBuilder();
            long seen = 0;
            var previousX = X(0);
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] == 0)
                {
                    continue;
                }

                var value = LatencyHistogram.HighestEquivalentValue(i);
                var y = Y(value);
                points.Append(Inv($"{previousX:0.##},{y:0.##} "));
                seen += counts[i];
                var fraction = (double)seen / total;
                var nines = fraction >= 1 ? MaxNines : -Math.Log10(1 - fraction);
                var x = X(nines);
                points.Append(Inv($"{x:0.##},{y:0.##} "));
                previousX = x;
                if (nines >= MaxNines)
                {
                    break;
                }
            }

            svg.Append(Inv($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n"));
            var legendY = Top + 10 + (s * 22);
            svg.Append(Inv($"<line x1=\"{Left + plotW + 15}\" y1=\"{legendY}\" x2=\"{Left + plotW + 40}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"3\"/>\n"));
            svg.Append(Inv($"<text x=\"{Left + plotW + 46}\" y=\"{legendY + 4}\">{Escape(label)}</text>\n"));
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    public static string FormatNs(double ns) => ns switch
    {
        >= 1e9 => Inv($"{ns / 1e9:0.###} s"),
        >= 1e6 => Inv($"{ns / 1e6:0.###} ms"),
        >= 1e3 => Inv($"{ns / 1e3:0.###} µs"),
        _ => Inv($"{ns:0} ns"),
    };

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
