using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using ScottPlot;

namespace PrunedCodegen.Cli.Charts
{
    /// <summary>
    /// PNG through ScottPlot, which draws with SkiaSharp's native library. The tool package carries that library for
    /// linux-x64, linux-arm64, win-x64 and macOS only (all of SkiaSharp's platforms would make the package 84 MB), so
    /// <see cref="Unavailable"/> says why PNG cannot be drawn here, and the commands write the SVG instead.
    /// </summary>
    internal static class PngChartRenderer
    {
        // NativeLibrary.TryLoad probes as SkiaSharp's own P/Invokes would (the package's runtimes/RID/native folder first).
        // It creates no SkiaSharp object: one whose native constructor failed would crash the process in its finalizer.
        private static readonly Lazy<string?> Probe = new(() =>
            NativeLibrary.TryLoad("libSkiaSharp", typeof(SkiaSharp.SKBitmap).Assembly, null, out _)
                ? null
                : $"libSkiaSharp is not packed for {RuntimeInformation.RuntimeIdentifier} and not installed");

        private static readonly AsyncLocal<string?> Forced = new();

        /// <summary>Tests set this (for their own flow of execution only) to act as a platform without the native renderer.</summary>
        internal static string? ForcedUnavailable { get => Forced.Value; set => Forced.Value = value; }

        /// <summary>Null when PNG can be drawn; otherwise why not.</summary>
        public static string? Unavailable => ForcedUnavailable ?? Probe.Value;

        /// <summary>
        /// Whether <paramref name="e"/>, thrown while drawing, is a native library that failed to load or bind (SkiaSharp's,
        /// or HarfBuzzSharp's, which is not packed: ScottPlot may shape text with it), and not a bug to report.
        /// </summary>
        public static bool IsNativeFailure(Exception e) => e switch
        {
            DllNotFoundException or EntryPointNotFoundException or BadImageFormatException => true,
            TypeInitializationException { InnerException: Exception inner } => IsNativeFailure(inner),
            _ => false,
        };

        /// <summary>The first line of a native failure's message (the loader lists every path it tried).</summary>
        public static string Describe(Exception e)
        {
            var root = e is TypeInitializationException { InnerException: Exception inner } ? inner : e;
            string message = root.Message;
            int end = message.IndexOfAny(new[] { '\n', '\r' });
            return end < 0 ? message : message.Substring(0, end).TrimEnd(' ', ':');
        }

        public static void Save(Chart chart, string path)
        {
            var plot = new Plot();
            plot.Title(chart.Title);
            plot.XLabel(chart.XLabel);
            plot.YLabel(chart.YLabel);
            if (chart.RightYLabel != null) plot.Axes.Right.Label.Text = chart.RightYLabel;
            foreach (var s in chart.Series)
            {
                var scatter = plot.Add.Scatter(s.Xs, s.Ys);
                scatter.Color = Color.FromHex(s.Color);
                scatter.LineWidth = s.Line == LineStyle.None ? 0 : s.LineWidth;
                scatter.LinePattern = s.Line switch { LineStyle.Dashed => LinePattern.Dashed, LineStyle.Dotted => LinePattern.Dotted, _ => LinePattern.Solid };
                scatter.MarkerShape = s.Marker switch
                {
                    MarkerStyle.OpenCircle => MarkerShape.OpenCircle,
                    MarkerStyle.OpenSquare => MarkerShape.OpenSquare,
                    MarkerStyle.FilledCircle => MarkerShape.FilledCircle,
                    _ => MarkerShape.None,
                };
                scatter.MarkerSize = s.MarkerSize;
                if (s.Label.Length > 0) scatter.LegendText = s.Label;
                if (s.RightAxis) scatter.Axes.YAxis = plot.Axes.Right;
            }
            foreach (var l in chart.Lines)
            {
                var line = plot.Add.HorizontalLine(l.Y);
                line.Color = Color.FromHex(l.Color);
                line.LinePattern = l.Line == LineStyle.Dashed ? LinePattern.Dashed : l.Line == LineStyle.Dotted ? LinePattern.Dotted : LinePattern.Solid;
                if (l.Label.Length > 0) line.LegendText = l.Label;
            }
            if (chart.Series.Any(s => s.Label.Length > 0) || chart.Lines.Any(l => l.Label.Length > 0)) plot.ShowLegend(Alignment.LowerLeft);
            plot.SavePng(path, chart.Width, chart.Height);
        }
    }
}
