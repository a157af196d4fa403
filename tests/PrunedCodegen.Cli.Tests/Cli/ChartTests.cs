using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using PrunedCodegen.Cli.Charts;
using PrunedCodegen.Cli.Tests.Infrastructure;
using Xunit;

namespace PrunedCodegen.Cli.Tests.Cli
{
    /// <summary>The managed SVG writer (charts on every platform) and the fallback when PNG's native renderer is missing.</summary>
    public class ChartTests
    {
        private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

        private static (double X, double Y)[] Points(XElement polyline) => polyline.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();

        [Fact]
        public void Svg_maps_points_linearly_and_breaks_lines_at_missing_values()
        {
            var chart = new Chart("t", "x", "y", "speed", new[]
            {
                new ChartSeries("a < b & c", "#1f77b4", new[] { 0.0, 1, 2, 3, 4 }, new[] { 0.0, 1, double.NaN, 3, 4 }),
                new ChartSeries("", "#ff7f0e", new[] { 0.0, 4 }, new[] { 100.0, 200 }, LineStyle.Dashed, RightAxis: true),
            }, new[] { new ChartLine("budget", Chart.Gray, 2) });
            var doc = XDocument.Parse(SvgChartWriter.Write(chart));
            var series = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
            Assert.Equal(2, series.Count);
            Assert.Equal("a < b & c", series[0].Attribute("data-label")!.Value);

            // The NaN at x = 2 splits the first series into (0, 1) and (3, 4); each run is a straight line y = x.
            var runs = series[0].Elements(Svg + "polyline").Select(Points).ToList();
            Assert.Equal(2, runs.Count);
            var all = runs.SelectMany(r => r).ToArray();
            Assert.Equal(4, all.Length);
            Assert.Equal(4, series[0].Elements(Svg + "circle").Count());
            double slope = (all[3].Y - all[0].Y) / (all[3].X - all[0].X);
            for (int i = 1; i < 4; i++)
                Assert.Equal(slope, (all[i].Y - all[0].Y) / (all[i].X - all[0].X), 2);
            Assert.True(slope < 0, "larger values are drawn higher (smaller SVG y)");

            // Both series span the same x range; the right-axis series, with its own scale, is the dashed one and ends where series 0 does.
            var right = Points(series[1].Elements(Svg + "polyline").Single());
            Assert.Equal(all[0].X, right[0].X, 2);
            Assert.Equal(all[3].X, right[1].X, 2);
            Assert.Equal("8,4", series[1].Elements(Svg + "polyline").Single().Attribute("stroke-dasharray")!.Value);

            // The budget line at y = 2 lies halfway between the points at y = 0 and y = 4.
            var reference = doc.Descendants(Svg + "line").Single(l => (string?)l.Attribute("class") == "reference");
            Assert.Equal((all[0].Y + all[3].Y) / 2, double.Parse(reference.Attribute("y1")!.Value, CultureInfo.InvariantCulture), 1);
            // The legend lists labelled series and lines only.
            var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
            Assert.Equal(new[] { "a < b & c", "budget" }, legend.Elements(Svg + "text").Select(t => t.Value));
            Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "speed");
        }

        [Fact]
        public void Svg_is_the_same_in_any_culture()
        {
            var chart = new Chart("t", "x", "y", null, new[] { new ChartSeries("s", "#000000", new[] { -1.5, 0, 2.25 }, new[] { -0.25, 0.5, -3 }) }, Array.Empty<ChartLine>());
            var saved = CultureInfo.CurrentCulture;
            string invariant = SvgChartWriter.Write(chart), finnish;
            try
            {
                CultureInfo.CurrentCulture = new CultureInfo("fi-FI");
                finnish = SvgChartWriter.Write(chart);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
            Assert.Equal(invariant, finnish);
            Assert.DoesNotContain('\u2212', finnish);
            Assert.Contains(">-3<", invariant); // y spans -3.175..0.675 with padding: ticks every 1 (the first of 0.1, 0.2, 0.5, 1 above 3.85 / 6)
        }

        [Fact]
        public void Sweep_without_the_native_renderer_writes_the_svg_and_says_why_there_is_no_png()
        {
            string prefix = Path.Combine(Fixtures.TempDir(), "sweep");
            PngChartRenderer.ForcedUnavailable = "libSkiaSharp is not packed for test-rid and not installed";
            try
            {
                var both = PcgRunner.Run("sweep", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "-o", prefix, "--sparsity", "0.5", "--no-timing");
                Assert.True(both.ExitCode == 0, both.Error);
                Assert.Contains("warning: PNG charts need SkiaSharp's native renderer, which does not load here (libSkiaSharp is not packed for test-rid", both.Error);
                Assert.Contains("<svg", File.ReadAllText(prefix + ".svg"));
                Assert.False(File.Exists(prefix + ".png"));
                Assert.DoesNotContain(prefix + ".png", both.Output);

                string only = Path.Combine(Fixtures.TempDir(), "png");
                var png = PcgRunner.Run("sweep", Fixtures.DenseModel, "--data", Fixtures.TestCsv, "-o", only, "--sparsity", "0.5", "--no-timing", "--chart", "png");
                Assert.True(png.ExitCode == 0, png.Error);
                Assert.Contains("writing " + only + ".svg instead", png.Error);
                Assert.True(File.Exists(only + ".svg"));
                Assert.False(File.Exists(only + ".png"));
            }
            finally
            {
                PngChartRenderer.ForcedUnavailable = null;
            }
        }

        [Fact]
        public void Native_load_failures_while_drawing_are_told_apart_from_bugs()
        {
            var load = new DllNotFoundException("Unable to load shared library 'libHarfBuzzSharp' or one of its dependencies. In order to help diagnose:\n/a/libHarfBuzzSharp.so: cannot open");
            var wrapped = new TypeInitializationException("HarfBuzzSharp.HarfBuzzApi", load);
            Assert.True(PngChartRenderer.IsNativeFailure(load));
            Assert.True(PngChartRenderer.IsNativeFailure(wrapped));
            Assert.True(PngChartRenderer.IsNativeFailure(new EntryPointNotFoundException("sk_x")));
            Assert.False(PngChartRenderer.IsNativeFailure(new IOException("disk full")));
            Assert.False(PngChartRenderer.IsNativeFailure(new TypeInitializationException("T", new InvalidOperationException("bug"))));
            Assert.Equal("Unable to load shared library 'libHarfBuzzSharp' or one of its dependencies. In order to help diagnose", PngChartRenderer.Describe(wrapped));
        }
    }
}
