using System.Collections.Generic;

namespace PrunedCodegen.Cli.Charts
{
    /// <summary>How a series' points are joined.</summary>
    internal enum LineStyle { None, Solid, Dashed, Dotted }

    /// <summary>The mark drawn at each point of a series.</summary>
    internal enum MarkerStyle { None, FilledCircle, OpenCircle, OpenSquare }

    /// <summary>
    /// One series: points (a NaN y leaves a gap), drawn against the left axis or, with <see cref="RightAxis"/>, the right one.
    /// <see cref="Color"/> is "#rrggbb".
    /// </summary>
    internal sealed record ChartSeries(string Label, string Color, double[] Xs, double[] Ys, LineStyle Line = LineStyle.Solid, float LineWidth = 2,
        MarkerStyle Marker = MarkerStyle.FilledCircle, float MarkerSize = 5, bool RightAxis = false);

    /// <summary>A horizontal reference line across the plot at <see cref="Y"/> (left axis).</summary>
    internal sealed record ChartLine(string Label, string Color, double Y, LineStyle Line = LineStyle.Dotted);

    /// <summary>
    /// A line chart as data: both renderers (<see cref="SvgChartWriter"/>, managed and available everywhere, and
    /// <see cref="PngChartRenderer"/>, which needs SkiaSharp's native library) draw the same chart from it.
    /// </summary>
    internal sealed record Chart(string Title, string XLabel, string YLabel, string? RightYLabel, IReadOnlyList<ChartSeries> Series,
        IReadOnlyList<ChartLine> Lines, int Width = 900, int Height = 560)
    {
        /// <summary>Category10, the palette the charts have always used.</summary>
        public static readonly string[] Palette =
            { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

        public static string PaletteColor(int index) => Palette[index % Palette.Length];

        public const string Gray = "#808080";
        public const string Black = "#000000";
    }
}
