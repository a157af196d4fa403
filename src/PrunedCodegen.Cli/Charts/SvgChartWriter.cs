using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PrunedCodegen.Cli.Charts
{
    /// <summary>
    /// Writes a <see cref="Chart"/> as SVG text with no native code, so that every platform gets its charts (PNG needs
    /// SkiaSharp's native renderer, which the tool package carries for a few platforms only). Axes span the data with
    /// 5% padding and ticks at 1, 2 or 5 times a power of ten; the legend sits in the lower-left corner of the plot.
    /// Output is deterministic: invariant culture, fixed decimals, series in the order given.
    /// </summary>
    internal static class SvgChartWriter
    {
        private const double Left = 75, Top = 45, Bottom = 60, RightWithAxis = 75, RightWithout = 25;

        public static string Write(Chart chart)
        {
            double width = chart.Width, height = chart.Height;
            bool right = chart.RightYLabel != null && chart.Series.Any(s => s.RightAxis);
            double plotLeft = Left, plotTop = Top, plotRight = width - (right ? RightWithAxis : RightWithout), plotBottom = height - Bottom;

            var xAxis = Axis.Span(chart.Series.SelectMany(s => s.Xs));
            var yAxis = Axis.Span(chart.Series.Where(s => !s.RightAxis).SelectMany(s => s.Ys).Concat(chart.Lines.Select(l => l.Y)));
            var y2Axis = right ? Axis.Span(chart.Series.Where(s => s.RightAxis).SelectMany(s => s.Ys)) : null;
            double X(double x) => plotLeft + (x - xAxis.Min) / (xAxis.Max - xAxis.Min) * (plotRight - plotLeft);
            double Y(Axis axis, double y) => plotBottom - (y - axis.Min) / (axis.Max - axis.Min) * (plotBottom - plotTop);

            var svg = new StringBuilder();
            svg.Append(F("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n", width, height));
            svg.Append(F("<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n", width, height));
            svg.Append(F("<text x=\"{0}\" y=\"25\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\">{1}</text>\n", (plotLeft + plotRight) / 2, Escape(chart.Title)));

            // Grid and ticks: x along the bottom, the left axis on the left, the right axis (if any) on the right.
            svg.Append("<g font-size=\"11\" fill=\"#000000\">\n");
            foreach (double t in xAxis.Ticks())
            {
                double px = X(t);
                svg.Append(F("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e6e6e6\"/>\n", px, plotTop, plotBottom));
                svg.Append(F("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2}</text>\n", px, plotBottom + 15, xAxis.Label(t)));
            }
            foreach (double t in yAxis.Ticks())
            {
                double py = Y(yAxis, t);
                svg.Append(F("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e6e6e6\"/>\n", plotLeft, py, plotRight));
                svg.Append(F("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\">{2}</text>\n", plotLeft - 5, py + 4, yAxis.Label(t)));
            }
            if (y2Axis != null)
                foreach (double t in y2Axis.Ticks())
                    svg.Append(F("<text x=\"{0}\" y=\"{1}\" text-anchor=\"start\">{2}</text>\n", plotRight + 5, Y(y2Axis, t) + 4, y2Axis.Label(t)));
            svg.Append("</g>\n");
            svg.Append(F("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#000000\"/>\n", plotLeft, plotTop, plotRight - plotLeft, plotBottom - plotTop));
            svg.Append(F("<text x=\"{0}\" y=\"{1}\" font-size=\"13\" text-anchor=\"middle\">{2}</text>\n", (plotLeft + plotRight) / 2, height - 18, Escape(chart.XLabel)));
            svg.Append(F("<text x=\"0\" y=\"0\" font-size=\"13\" text-anchor=\"middle\" transform=\"translate({0},{1}) rotate(-90)\">{2}</text>\n", 22, (plotTop + plotBottom) / 2, Escape(chart.YLabel)));
            if (y2Axis != null)
                svg.Append(F("<text x=\"0\" y=\"0\" font-size=\"13\" text-anchor=\"middle\" transform=\"translate({0},{1}) rotate(90)\">{2}</text>\n", width - 22, (plotTop + plotBottom) / 2, Escape(chart.RightYLabel!)));

            foreach (var line in chart.Lines)
            {
                double py = Y(yAxis, line.Y);
                svg.Append(F("<line class=\"reference\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"1.5\"{4}/>\n", plotLeft, py, plotRight, line.Color, Dash(line.Line)));
            }
            foreach (var s in chart.Series)
            {
                var axis = s.RightAxis ? y2Axis! : yAxis;
                svg.Append(F("<g class=\"series\" data-label=\"{0}\">\n", Escape(s.Label)));
                if (s.Line != LineStyle.None)
                    foreach (var run in Runs(s))
                        svg.Append(F("<polyline fill=\"none\" stroke=\"{0}\" stroke-width=\"{1}\"{2} points=\"{3}\"/>\n", s.Color, s.LineWidth, Dash(s.Line),
                            string.Join(" ", run.Select(i => F("{0},{1}", X(s.Xs[i]), Y(axis, s.Ys[i]))))));
                for (int i = 0; i < s.Xs.Length; i++)
                    if (Finite(s.Xs[i]) && Finite(s.Ys[i]))
                        svg.Append(Marker(s.Marker, s.MarkerSize, s.Color, X(s.Xs[i]), Y(axis, s.Ys[i])));
                svg.Append("</g>\n");
            }

            // Legend, lower left inside the plot: series first, then the reference lines.
            var entries = chart.Series.Where(s => s.Label.Length > 0).Select(s => (s.Label, s.Color, s.Line, s.Marker, s.MarkerSize))
                .Concat(chart.Lines.Where(l => l.Label.Length > 0).Select(l => (l.Label, l.Color, l.Line, Marker: MarkerStyle.None, MarkerSize: 0f))).ToList();
            if (entries.Count > 0)
            {
                const double row = 18;
                double boxWidth = 50 + 6.5 * entries.Max(e => e.Label.Length), boxHeight = 8 + row * entries.Count;
                double bx = plotLeft + 8, by = plotBottom - 8 - boxHeight;
                svg.Append(F("<g class=\"legend\" font-size=\"12\">\n<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n", bx, by, boxWidth, boxHeight));
                for (int i = 0; i < entries.Count; i++)
                {
                    var e = entries[i];
                    double cy = by + 4 + row * i + row / 2;
                    if (e.Line != LineStyle.None)
                        svg.Append(F("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>\n", bx + 6, cy, bx + 36, e.Color, Dash(e.Line)));
                    svg.Append(Marker(e.Marker, Math.Min(e.MarkerSize, 8), e.Color, bx + 21, cy));
                    svg.Append(F("<text x=\"{0}\" y=\"{1}\">{2}</text>\n", bx + 44, cy + 4, Escape(e.Label)));
                }
                svg.Append("</g>\n");
            }
            svg.Append("</svg>\n");
            return svg.ToString();
        }

        /// <summary>Index runs of consecutive finite points: a NaN (a missing value) breaks the line.</summary>
        private static IEnumerable<List<int>> Runs(ChartSeries s)
        {
            var run = new List<int>();
            for (int i = 0; i < s.Xs.Length; i++)
            {
                if (Finite(s.Xs[i]) && Finite(s.Ys[i])) { run.Add(i); continue; }
                if (run.Count > 1) yield return run;
                run = new List<int>();
            }
            if (run.Count > 1) yield return run;
        }

        private static string Marker(MarkerStyle marker, float size, string color, double x, double y) => marker switch
        {
            MarkerStyle.FilledCircle => F("<circle cx=\"{0}\" cy=\"{1}\" r=\"{2}\" fill=\"{3}\"/>\n", x, y, size / 2, color),
            MarkerStyle.OpenCircle => F("<circle cx=\"{0}\" cy=\"{1}\" r=\"{2}\" fill=\"none\" stroke=\"{3}\" stroke-width=\"1.5\"/>\n", x, y, size / 2, color),
            MarkerStyle.OpenSquare => F("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{2}\" fill=\"none\" stroke=\"{3}\" stroke-width=\"1.5\"/>\n", x - size / 2, y - size / 2, size, color),
            _ => "",
        };

        private static string Dash(LineStyle line) => line switch
        {
            LineStyle.Dashed => " stroke-dasharray=\"8,4\"",
            LineStyle.Dotted => " stroke-dasharray=\"2,3\"",
            _ => "",
        };

        private static bool Finite(double v) => !double.IsNaN(v) && !double.IsInfinity(v);

        private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

        /// <summary>Formats with the invariant culture; doubles with at most two decimals (pixels).</summary>
        private static string F(string format, params object[] args) =>
            string.Format(CultureInfo.InvariantCulture, format, args.Select(a => a is double d ? (object)Math.Round(d, 2) : a is float f ? Math.Round(f, 2) : a).ToArray());

        /// <summary>A data range padded by 5% each side (a single value gets +-0.5 or +-5%), with ticks at 1, 2 or 5 times a power of ten.</summary>
        private sealed record Axis(double Min, double Max, double Step)
        {
            public static Axis Span(IEnumerable<double> values)
            {
                var finite = values.Where(Finite).ToList();
                double lo = finite.Count > 0 ? finite.Min() : 0, hi = finite.Count > 0 ? finite.Max() : 1;
                if (hi - lo < 1e-12)
                {
                    double half = Math.Abs(lo) > 1e-12 ? Math.Abs(lo) * 0.05 : 0.5;
                    lo -= half;
                    hi += half;
                }
                double pad = (hi - lo) * 0.05;
                lo -= pad;
                hi += pad;
                double raw = (hi - lo) / 6, power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
                double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * power).First(s => s >= raw);
                return new Axis(lo, hi, step);
            }

            public IEnumerable<double> Ticks()
            {
                for (double k = Math.Ceiling(Min / Step); k * Step <= Max + Step * 1e-9; k++)
                    yield return Math.Abs(k * Step) < Step * 1e-9 ? 0 : k * Step;
            }

            public string Label(double tick)
            {
                int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(Step) + 1e-9));
                return tick.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            }
        }
    }
}
