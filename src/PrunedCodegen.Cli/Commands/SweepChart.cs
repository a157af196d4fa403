using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Cli.Charts;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>
    /// Accuracy (solid, left axis) and measured speed-up (dashed, right axis) against weight sparsity, one colour per series.
    /// With fine-tuning, the solid line is the fine-tuned accuracy and a thin dotted line the one-shot accuracy.
    /// </summary>
    internal static class SweepChart
    {
        public static Chart Build(IReadOnlyList<SweepRow> rows, int? finetuneEpochs)
        {
            var baseline = rows[0];
            bool hasAccuracy = baseline.Accuracy != null;
            string quantity = hasAccuracy ? "Accuracy" : "Agreement";
            string title = finetuneEpochs is int e
                ? $"{quantity} one-shot (dotted) and after {e} epochs of fine-tuning (solid), and speed-up, vs sparsity"
                : $"{quantity} and speed-up vs sparsity" + (hasAccuracy ? " (one-shot, no fine-tuning)" : "");
            var series = new List<ChartSeries>();
            int colour = 0;
            foreach (var group in rows.Skip(1).Where(r => r.Note == null).GroupBy(r => r.Series))
            {
                string color = Chart.PaletteColor(colour++);
                var points = group.OrderBy(r => r.WeightSparsity).ToList();
                double[] xs = points.Select(r => r.WeightSparsity).ToArray();
                double[] quality = points.Select(r => (hasAccuracy ? r.Accuracy : r.Agreement) ?? double.NaN).ToArray();
                if (finetuneEpochs != null)
                {
                    series.Add(new ChartSeries(group.Key + ", one-shot", color, xs, quality, LineStyle.Dotted, 1, MarkerStyle.OpenSquare));
                    series.Add(new ChartSeries(group.Key + ", fine-tuned", color, xs,
                        points.Select(r => (hasAccuracy ? r.FinetunedAccuracy : r.FinetunedAgreement) ?? double.NaN).ToArray(), LineStyle.Solid, 2.5f));
                }
                else
                {
                    series.Add(new ChartSeries(group.Key, color, xs, quality, LineStyle.Solid, 2));
                }
                double[] speed = points.Select(r => r.MeasuredSpeedUp is double m ? m
                    : baseline.EstimatedNs is double be && r.EstimatedNs is double est ? be / est : double.NaN).ToArray();
                series.Add(new ChartSeries("", color, xs, speed, LineStyle.Dashed, 2, MarkerStyle.OpenCircle, RightAxis: true));
            }
            var lines = new List<ChartLine>();
            if (baseline.Accuracy is double a)
                lines.Add(new ChartLine(baseline.WeightSparsity == 0 ? "original (dense)" : "original", Chart.Gray, a));
            return new Chart(title, "weight sparsity (fraction of weights zero or removed)", hasAccuracy ? "accuracy" : "top-1 agreement with the original",
                baseline.MeasuredNs != null ? "speed-up, measured (dashed)" : "speed-up, cost model (dashed)", series, lines);
        }
    }
}
