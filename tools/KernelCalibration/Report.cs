using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PrunedCodegen;
using PrunedCodegen.Planning;

namespace KernelCalibration
{
    /// <summary>The calibration table (markdown) and raw figures (JSON): measured vs predicted per layer and kernel,
    /// the planner's choice vs the fastest kernel measured, and least-squares fits of the per-unit constants.</summary>
    internal static class Report
    {
        private static readonly string[] KernelOrder = { "dense", "block", "sparse", "unrolled" };

        private sealed record Row(LayerCase Case, LayerPlan Auto, Dictionary<string, Timing> Measured, Dictionary<string, bool> Borrowed,
            Dictionary<string, double> Predicted, Dictionary<string, Timing> Batched);

        public static void Write(List<Timing> timings, string outDir, string set, string load)
        {
            var rows = new List<Row>();
            var denseBySize = timings.Where(t => t.Kernel == "dense" && t.Batch == 1 && t.Error == null && t.Case.SparsityPct == 0)
                .ToDictionary(t => (t.Case.K, t.Case.N));
            foreach (var g in timings.GroupBy(t => t.Case))
            {
                var layer = g.First().Layer;
                var plan = Planner.Plan(layer);
                var measured = g.Where(t => t.Batch == 1 && t.Error == null).ToDictionary(t => t.Kernel);
                var borrowed = new Dictionary<string, bool>();
                // The dense kernel does the same work at any sparsity: where it was not compiled, the unpruned layer's time.
                if (!measured.ContainsKey("dense") && denseBySize.TryGetValue((g.Key.K, g.Key.N), out var d)) { measured["dense"] = d; borrowed["dense"] = true; }
                var predicted = new Dictionary<string, double>
                {
                    ["dense"] = plan.DenseCostNs, ["block"] = plan.BlockCostNs, ["sparse"] = plan.SparseCostNs, ["unrolled"] = plan.UnrolledCostNs,
                };
                rows.Add(new Row(g.Key, plan, measured, borrowed, predicted, g.Where(t => t.Batch > 1 && t.Error == null).ToDictionary(t => t.Kernel)));
            }

            var fits = Fits(rows);
            var md = new StringBuilder();
            string cpu = Cpu();
            md.AppendLine("# Kernel calibration");
            md.AppendLine();
            md.AppendLine($"Machine: {cpu}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}. " +
                $"Load (uptime) before the run: {load}. Model set: {set}. Statistic: {(Timing.UseMin ? "minimum" : "median")} over rounds. {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
            md.AppendLine();
            md.AppendLine("Per layer: nanoseconds per sample through `Predict` (the statistic above; median, quartiles and minimum in the JSON), the planner's");
            md.AppendLine("prediction in brackets. `auto` is the planner's choice; `regret` is its measured time over the fastest kernel measured.");
            md.AppendLine("Dense times marked `*` are the unpruned layer's (the dense kernel does the same work at any sparsity).");
            md.AppendLine();
            md.AppendLine("| layer | pattern | nonzeros | dense | block | sparse | unrolled | auto | fastest | regret | batch 16 (ns/sample) |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---|---:|---|");
            foreach (var r in rows.OrderBy(r => (long)r.Case.K * r.Case.N).ThenBy(r => r.Case.K).ThenBy(r => r.Case.BlockRows).ThenBy(r => r.Case.SparsityPct))
            {
                string Cell(string k) => r.Measured.TryGetValue(k, out var t)
                    ? $"{t.Ns:0}{(r.Borrowed.ContainsKey(k) ? "*" : "")} ({r.Predicted[k]:0})"
                    : $"- ({(k == "unrolled" && r.Auto.Nonzeros > KernelPlanner.UnrolledMaxNonzeros ? "-" : r.Predicted[k].ToString("0", CultureInfo.InvariantCulture))})";
                string auto = Short(r.Auto.Kernel);
                var fastest = r.Measured.OrderBy(kv => kv.Value.Ns).First();
                string regret = r.Measured.TryGetValue(auto, out var a) ? (a.Ns / fastest.Value.Ns).ToString("0.00", CultureInfo.InvariantCulture) : "?";
                string blockName = $"block{r.Auto.BlockSize}";
                md.AppendLine($"| {r.Case.K}x{r.Case.N} {Catalog.Pct(r.Case.SparsityPct)}% | {r.Case.Pattern} | {r.Auto.Nonzeros} | {Cell("dense")} | {Cell("block")} | {Cell("sparse")} | {Cell("unrolled")} | " +
                    $"{(auto == "block" ? blockName : auto)} | {fastest.Key} | {regret} | {string.Join(", ", KernelOrder.Where(r.Batched.ContainsKey).Select(k => $"{k} {r.Batched[k].Ns:0.0}"))} |");
            }
            md.AppendLine();
            md.AppendLine("## Fitted constants (least squares, ns, batch 1)");
            md.AppendLine();
            md.AppendLine("| kernel | model | per unit | fixed | planner today | points | median measured/predicted |");
            md.AppendLine("|---|---|---:|---:|---|---:|---:|");
            foreach (var f in fits)
                md.AppendLine($"| {f.Kernel} | {f.Model} | {f.PerUnit:0.000} | {f.Fixed:0.00} | {f.Today} | {f.Points} | {f.Ratio:0.00} |");
            md.AppendLine();
            md.AppendLine("## Dense: effective throughput per layer");
            md.AppendLine();
            md.AppendLine("| layer | weight bytes | ns | ns per 16-wide FMA | bytes/ns |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var t in timings.Where(t => t.Kernel == "dense" && t.Batch == 1 && t.Error == null && t.Case.SparsityPct == 0).OrderBy(t => (long)t.Case.K * t.Case.N))
            {
                double fmas = (double)t.Case.K * ((t.Case.N + 15) / 16), bytes = 4.0 * t.Case.K * t.Case.N;
                md.AppendLine($"| {t.Case.K}x{t.Case.N} | {bytes:0} | {t.Ns:0} | {t.Ns / fmas:0.000} | {bytes / t.Ns:0} |");
            }
            File.WriteAllText(Path.Combine(outDir, "calibration.md"), md.ToString());

            var json = new
            {
                machine = cpu, cores = Environment.ProcessorCount, runtime = Environment.Version.ToString(), load, set,
                avx512 = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
                timings = timings.Select(t => new
                {
                    layer = t.Case.Name, k = t.Case.K, n = t.Case.N, sparsity = t.Case.SparsityPct, pattern = t.Case.Pattern, kernel = t.Kernel, batch = t.Batch,
                    ns_median = Num(t.Median), ns_min = Num(t.Min), ns_q1 = Num(t.Q1), ns_q3 = Num(t.Q3), rounds = t.Rounds, error = t.Error,
                }),
                layers = rows.Select(r => new
                {
                    layer = r.Case.Name, nonzeros = r.Auto.Nonzeros, auto = Short(r.Auto.Kernel), block_size = r.Auto.BlockSize, blocks = r.Auto.Blocks,
                    predicted = r.Predicted.ToDictionary(kv => kv.Key, kv => Num(kv.Value)),
                    measured = r.Measured.ToDictionary(kv => kv.Key, kv => Num(kv.Value.Ns)),
                    dense_borrowed = r.Borrowed.ContainsKey("dense"),
                }),
                statistic = Timing.UseMin ? "min" : "median",
                fits = fits.Select(f => new { kernel = f.Kernel, model = f.Model, per_unit = Num(f.PerUnit), @fixed = Num(f.Fixed), points = f.Points, today = f.Today, ratio = Num(f.Ratio) }),
            };
            File.WriteAllText(Path.Combine(outDir, "calibration.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(md.ToString());
        }

        private static double? Num(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;

        public static string Short(KernelKind k) => k switch
        {
            KernelKind.SparseRows => "sparse",
            KernelKind.BlockSparse => "block",
            KernelKind.Unrolled => "unrolled",
            _ => "dense",
        };

        private sealed record Fit(string Kernel, string Model, double PerUnit, double Fixed, string Today, int Points, double Ratio);

        private static List<Fit> Fits(List<Row> rows)
        {
            var fits = new List<Fit>();
            IEnumerable<(Row Row, Timing T)> Own(string kernel) =>
                rows.Where(r => r.Measured.TryGetValue(kernel, out _) && !r.Borrowed.ContainsKey(kernel)).Select(r => (r, r.Measured[kernel]));
            double Ratio(IEnumerable<(Row Row, Timing T)> pts, string kernel)
            {
                var v = pts.Select(p => p.T.Ns / p.Row.Predicted[kernel]).OrderBy(x => x).ToArray();
                return v.Length == 0 ? double.NaN : v[v.Length / 2];
            }
            void Add(string kernel, string model, string today, List<(Row Row, Timing T)> pts, Func<Row, (double Unit, double Fixed)> features)
            {
                if (pts.Count == 0) return;
                var (a, b) = LeastSquares(pts.Select(p => (features(p.Row).Unit, features(p.Row).Fixed, p.T.Ns)).ToList());
                fits.Add(new Fit(kernel, model, a, b, today, pts.Count, Ratio(pts, kernel)));
            }

            // Dense: per 16-wide FMA (K x tiles) + per tile, by where the weights fit (the planner's tiers).
            foreach (var (tier, lo, hi) in new[] { ("L1 (<= 48 KB)", 0.0, 48 * 1024.0), ("L2 (<= 1 MB)", 48 * 1024.0 + 1, 1024 * 1024.0), ("L3", 1024 * 1024.0 + 1, 16 * 1024 * 1024.0) })
            {
                var pts = Own("dense").Where(p => 4.0 * p.Row.Case.K * p.Row.Case.N is double bytes && bytes >= lo && bytes <= hi).ToList();
                Add("dense", $"ns = a x K x tiles16 + b x tiles16, {tier}", $"a {KernelPlanner.NsPerDenseFma}, b {KernelPlanner.NsPerTile}; {Tier(hi)} B/ns", pts,
                    r => ((double)r.Case.K * ((r.Case.N + 15) / 16), (r.Case.N + 15) / 16));
            }
            var sparse = Own("sparse").ToList();
            Add("sparse", "ns = a x nonzeros + b x rows, all", $"a {KernelPlanner.NsPerNonzero}, b {KernelPlanner.NsPerRow}", sparse, r => (r.Auto.Nonzeros, r.Case.N));
            Add("sparse", "same, data <= 1 MB", "", sparse.Where(p => 8.0 * p.Row.Auto.Nonzeros + 4 * p.Row.Case.N <= 1024 * 1024).ToList(), r => (r.Auto.Nonzeros, r.Case.N));
            Add("sparse", "same, data > 1 MB", "", sparse.Where(p => 8.0 * p.Row.Auto.Nonzeros + 4 * p.Row.Case.N > 1024 * 1024).ToList(), r => (r.Auto.Nonzeros, r.Case.N));
            foreach (var size in KernelPlanner.BlockSizes)
            {
                var pts = Own("block").Where(p => p.Row.Auto.BlockSize == size).ToList();
                Add("block", $"ns = a x blocks + b x rows (tiles x {size}), {size}x1 blocks", $"a {KernelPlanner.NsPerBlock(size)}, b {KernelPlanner.NsPerBlockRow}", pts,
                    r => (r.Auto.Blocks, (double)(r.Case.N + size - 1) / size * size));
            }
            Add("unrolled", "ns = a x nonzeros + b x rows", $"a {KernelPlanner.NsPerUnrolledNonzero}, b {KernelPlanner.NsPerUnrolledRow}", Own("unrolled").ToList(), r => (r.Auto.Nonzeros, r.Case.N));
            return fits;
        }

        private static string Tier(double bytes) => KernelPlanner.Bandwidth(bytes).ToString(CultureInfo.InvariantCulture);

        /// <summary>Least squares for y = a u + b f (two unknowns, normal equations); with one point, b = 0.</summary>
        private static (double A, double B) LeastSquares(List<(double U, double F, double Y)> p)
        {
            double uu = p.Sum(q => q.U * q.U), uf = p.Sum(q => q.U * q.F), ff = p.Sum(q => q.F * q.F), uy = p.Sum(q => q.U * q.Y), fy = p.Sum(q => q.F * q.Y);
            double det = uu * ff - uf * uf;
            if (p.Count < 2 || Math.Abs(det) < 1e-9 * uu * ff) return (uy / uu, 0);
            return ((uy * ff - fy * uf) / det, (uu * fy - uf * uy) / det);
        }

        private static string Cpu()
        {
            try
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line == null ? "unknown CPU" : line.Substring(line.IndexOf(':') + 1).Trim();
            }
            catch (IOException) { return "unknown CPU"; }
        }
    }
}
