using System.Collections.Generic;
using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using ScottPlot;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>
    /// Accuracy (solid, left axis) and measured speed-up (dashed, right axis) against weight sparsity, one colour per series.
    /// With fine-tuning, the solid line is the fine-tuned accuracy and a thin dotted line the one-shot accuracy.
    /// </summary>
    internal static class SweepChart
    {
        public static void Save(IReadOnlyList<SweepRow> rows, string path, int? finetuneEpochs, bool force, params string[] inputs)
        {
            var plot = new Plot();
            var baseline = rows[0];
            bool hasAccuracy = baseline.Accuracy != null;
            string quantity = hasAccuracy ? "Accuracy" : "Agreement";
            plot.Title(finetuneEpochs is int e
                ? $"{quantity} one-shot (dotted) and after {e} epochs of fine-tuning (solid), and speed-up, vs sparsity"
                : $"{quantity} and speed-up vs sparsity" + (hasAccuracy ? " (one-shot, no fine-tuning)" : ""));
            plot.XLabel("weight sparsity (fraction of weights zero or removed)");
            plot.YLabel(hasAccuracy ? "accuracy" : "top-1 agreement with the original");
            plot.Axes.Right.Label.Text = baseline.MeasuredNs != null ? "speed-up, measured (dashed)" : "speed-up, cost model (dashed)";
            var palette = new ScottPlot.Palettes.Category10();
            int colour = 0;
            foreach (var group in rows.Skip(1).Where(r => r.Note == null).GroupBy(r => r.Series))
            {
                var color = palette.GetColor(colour++);
                var points = group.OrderBy(r => r.WeightSparsity).ToList();
                double[] xs = points.Select(r => r.WeightSparsity).ToArray();
                var quality = plot.Add.Scatter(xs, points.Select(r => (hasAccuracy ? r.Accuracy : r.Agreement) ?? double.NaN).ToArray());
                quality.Color = color;
                quality.LegendText = finetuneEpochs == null ? group.Key : group.Key + ", one-shot";
                quality.LineWidth = 2;
                if (finetuneEpochs != null)
                {
                    quality.LineWidth = 1;
                    quality.LinePattern = LinePattern.Dotted;
                    quality.MarkerShape = MarkerShape.OpenSquare;
                    var tuned = plot.Add.Scatter(xs, points.Select(r => (hasAccuracy ? r.FinetunedAccuracy : r.FinetunedAgreement) ?? double.NaN).ToArray());
                    tuned.Color = color;
                    tuned.LineWidth = 2.5f;
                    tuned.LegendText = group.Key + ", fine-tuned";
                }
                double[] speed = points.Select(r => r.MeasuredSpeedUp is double m ? m
                    : baseline.EstimatedNs is double be && r.EstimatedNs is double e ? be / e : double.NaN).ToArray();
                var speedLine = plot.Add.Scatter(xs, speed);
                speedLine.Color = color;
                speedLine.LinePattern = LinePattern.Dashed;
                speedLine.MarkerShape = MarkerShape.OpenCircle;
                speedLine.Axes.YAxis = plot.Axes.Right;
            }
            if (baseline.Accuracy is double a)
            {
                var line = plot.Add.HorizontalLine(a);
                line.Color = Colors.Gray;
                line.LinePattern = LinePattern.Dotted;
                line.LegendText = baseline.WeightSparsity == 0 ? "original (dense)" : "original";
            }
            plot.ShowLegend(Alignment.LowerLeft);
            OutputFile.Write(path, force, inputs, temp =>
            {
                if (Path.GetExtension(path).Equals(".svg", System.StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(temp, 900, 560);
                else plot.SavePng(temp, 900, 560);
            });
        }
    }
}
