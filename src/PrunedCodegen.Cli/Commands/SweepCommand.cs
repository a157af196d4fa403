using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>One row of a sweep: a pruned model's accuracy and speed.</summary>
    internal sealed record SweepRow(string Series, PruneMethod? Method, PruneScope? Scope, double TargetSparsity, double WeightSparsity,
        int Parameters, double? Accuracy, double Agreement, double MaxAbsDifference, double? MeasuredNs, double? MeasuredSpeedUp, double? EstimatedNs, string? Note);

    /// <summary>pcg sweep: prune at a range of sparsities with several methods, evaluate each, time each, chart it.</summary>
    internal static class SweepCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The dense (or any) ONNX model to start from." };
            var data = new Option<string>("--data") { Description = "Samples: .csv or .npy, as for evaluate.", Required = true };
            var labels = new Option<string?>("--labels") { Description = "Labels in their own file (.csv or .npy)." };
            var labelColumn = new Option<string?>("--label-column") { Description = "The CSV label column (name or 0-based index); default: 'label' if present." };
            var sparsity = new Option<string>("--sparsity") { Description = "FROM:TO:STEP (inclusive, e.g. 0.5:0.98:0.04) or a list (0.5,0.9,0.95).", DefaultValueFactory = _ => "0.5:0.9:0.1" };
            var methods = new Option<string[]>("--method") { Description = "Methods to compare: magnitude, random, structured (repeat or separate with commas).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => new[] { "magnitude" } };
            var scopes = new Option<string[]>("--scopes") { Description = "Scopes to compare for each method: global, layer (repeat or separate with commas).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => new[] { "global" } };
            var output = new Option<string>("--output", "-o") { Description = "Output prefix: writes PREFIX.csv, PREFIX.md and the chart PREFIX.svg/.png.", Required = true };
            var chart = new Option<string>("--chart") { Description = "Chart format: svg, png, both or none.", DefaultValueFactory = _ => "both" };
            var noTiming = new Option<bool>("--no-timing") { Description = "Skip the timing loops: speed comes from the generator's cost model only." };
            var force = new Option<bool>("--force") { Description = "Replace the outputs if they exist." };
            var shared = new PruneOptionsBinder();
            var command = new Command("sweep",
                "Prune at every sparsity with every method (and scope) asked for, evaluate each model with the generated code,\n" +
                "time single-sample Predict (median of short timing loops) next to the cost model's estimate, and write a table\n" +
                "(CSV and Markdown) and a chart of accuracy and speed-up against sparsity. One-shot pruning, no fine-tuning.\n\n" +
                "Examples:\n" +
                "  pcg sweep model.onnx --data test.csv -o sweep --sparsity 0.5:0.98:0.04 --method magnitude,random,structured\n" +
                "  pcg sweep model.onnx --data test.csv -o sweep --method magnitude --scopes global,layer --chart svg\n" +
                "  pcg sweep model.onnx --data x.npy --labels y.npy -o sweep --sparsity 0.5,0.9 --pattern block:8x1 --no-timing")
            { model, data, labels, labelColumn, sparsity, methods, scopes, output, chart, noTiming, force };
            shared.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                var levels = ParseLevels(parse.GetValue(sparsity)!);
                var methodList = Split(parse.GetValue(methods)!).Select(PruneOptionsBinder.ParseMethod).Distinct().ToList();
                var scopeList = Split(parse.GetValue(scopes)!).Select(PruneOptionsBinder.ParseScope).Distinct().ToList();
                string chartFormat = parse.GetValue(chart)!.Trim().ToLowerInvariant();
                if (chartFormat is not ("svg" or "png" or "both" or "none"))
                    throw new UserErrorException(ExitCodes.Usage, $"--chart '{chartFormat}' is not one of svg, png, both, none");
                var template = shared.Bind(parse, PruneMethod.Magnitude, PruneScope.Global, levels[0]);
                return Run(ui, parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(labels), parse.GetValue(labelColumn), levels, methodList, scopeList,
                    template, parse.GetValue(output)!, chartFormat, !parse.GetValue(noTiming), parse.GetValue(force));
            }));
            return command;
        }

        private static IEnumerable<string> Split(string[] values) =>
            values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        internal static List<double> ParseLevels(string text)
        {
            static double Number(string s, string all) =>
                double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
                    : throw new UserErrorException(ExitCodes.Usage, $"--sparsity '{all}': '{s}' is not a number");
            var parts = text.Split(':');
            List<double> levels;
            if (parts.Length == 3)
            {
                double from = Number(parts[0], text), to = Number(parts[1], text), step = Number(parts[2], text);
                if (step <= 0 || to < from) throw new UserErrorException(ExitCodes.Usage, $"--sparsity '{text}': FROM:TO:STEP needs FROM <= TO and STEP > 0");
                levels = new List<double>();
                for (int i = 0; from + i * step <= to + 1e-9 && i < 1000; i++) levels.Add(Math.Round(from + i * step, 9));
            }
            else if (parts.Length == 1)
            {
                levels = text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Number(s, text)).ToList();
            }
            else throw new UserErrorException(ExitCodes.Usage, $"--sparsity '{text}' is neither FROM:TO:STEP nor a comma-separated list");
            foreach (double s in levels)
                if (s < 0 || s >= 1)
                    throw new UserErrorException(ExitCodes.ImpossibleSparsity, string.Format(CultureInfo.InvariantCulture, "sparsity {0} is impossible: the fraction of weights removed is at least 0 and below 1", s));
            if (levels.Count == 0) throw new UserErrorException(ExitCodes.Usage, $"--sparsity '{text}' gives no level");
            return levels;
        }

        private static int Run(ToolOutput ui, string modelPath, string dataPath, string? labelsPath, string? labelColumn, List<double> levels,
            List<PruneMethod> methods, List<PruneScope> scopes, PruneOptions template, string prefix, string chartFormat, bool timing, bool force)
        {
            var outputs = new List<string> { prefix + ".csv", prefix + ".md" };
            if (chartFormat is "svg" or "both") outputs.Add(prefix + ".svg");
            if (chartFormat is "png" or "both") outputs.Add(prefix + ".png");
            foreach (var path in outputs) OutputFile.Check(path, force, modelPath, dataPath);

            byte[] originalBytes = Inputs.ReadModelBytes(modelPath);
            var original = Inputs.ParseModel(modelPath, originalBytes);
            var data = Inputs.ReadData(dataPath, labelsPath, labelColumn);
            var rows = new List<SweepRow>();
            var series = methods.SelectMany(m => scopes.Select(s => (Method: m, Scope: s))).ToList();
            float[] reference;
            int classes;

            // The original stays loaded: every pruned model is timed in rounds interleaved with it.
            using var baseline = ModelRunner.Load(modelPath, originalBytes);
            ui.Console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("pruning, compiling, evaluating", maxValue: 1 + series.Count * levels.Count);
                reference = ModelRunner.Run(baseline, data, modelPath);
                classes = baseline.OutputLength;
                var report = Metrics.Compute(reference, data.Rows, classes, data.Labels, reference);
                var inspection = ModelInspector.Inspect(original);
                rows.Add(new SweepRow("original", null, null, 0, inspection.Sparsity, inspection.Weights - inspection.Zeros, report.Accuracy, 1, 0,
                    timing ? CompiledModel.MeasureAgainst(baseline, baseline, data).CandidateNs : null, timing ? 1 : null, inspection.EstimatedNsPerSample, null));
                task.Increment(1);
                foreach (var (method, scope) in series)
                    foreach (double level in levels)
                    {
                        string name = SeriesName(method, scope, template.Pattern);
                        task.Description = string.Format(CultureInfo.InvariantCulture, "{0} at {1:0.###}", name, level);
                        rows.Add(Evaluate(template with { Method = method, Scope = scope, Sparsity = level }, name, original, modelPath, data, reference, classes, timing ? baseline : null));
                        task.Increment(1);
                    }
            });

            string markdown = Markdown(rows, modelPath, data.Labels != null);
            OutputFile.WriteAllText(prefix + ".csv", Csv(rows), force, modelPath, dataPath);
            OutputFile.WriteAllText(prefix + ".md", markdown, force, modelPath, dataPath);
            if (chartFormat is "svg" or "both") SweepChart.Save(rows, prefix + ".svg", force, modelPath, dataPath);
            if (chartFormat is "png" or "both") SweepChart.Save(rows, prefix + ".png", force, modelPath, dataPath);

            ui.Writer.Write(markdown);
            ui.Writer.WriteLine("wrote " + string.Join(", ", outputs));
            return ExitCodes.Success;
        }

        private static string SeriesName(PruneMethod method, PruneScope scope, PruningPattern pattern) =>
            method.ToString().ToLowerInvariant() + " " + scope.ToString().ToLowerInvariant() +
            (method != PruneMethod.Structured && pattern.Kind != PatternKind.Unstructured ? " " + pattern : "");

        private static SweepRow Evaluate(PruneOptions options, string name, OnnxModel original, string modelPath, Dataset data, float[] reference, int classes, CompiledModel? timeAgainst)
        {
            PruneResult result;
            try
            {
                result = Pruner.PruneModel(original, options);
            }
            catch (PruningException e)
            {
                return new SweepRow(name, options.Method, options.Scope, options.Sparsity, double.NaN, 0, null, double.NaN, double.NaN, null, null, null, e.Message);
            }
            byte[] bytes = OnnxWriter.Write(result.Model);
            using var compiled = ModelRunner.Load(modelPath, bytes);
            var outputs = ModelRunner.Run(compiled, data, modelPath);
            var report = Metrics.Compute(outputs, data.Rows, classes, data.Labels, reference);
            var inspection = ModelInspector.Inspect(result.Model);
            var timed = timeAgainst == null ? ((double, double, double)?)null : CompiledModel.MeasureAgainst(timeAgainst, compiled, data);
            return new SweepRow(name, options.Method, options.Scope, options.Sparsity, result.Sparsity, inspection.Weights - inspection.Zeros,
                report.Accuracy, report.Agreement!.Value, report.MaxAbsDifference!.Value,
                timed?.Item2, timed?.Item3, inspection.EstimatedNsPerSample, null);
        }

        private static string Inv(double? v, string format) => v is double d && !double.IsNaN(d) ? d.ToString(format, CultureInfo.InvariantCulture) : "";

        internal static string Csv(IReadOnlyList<SweepRow> rows)
        {
            var sb = new StringBuilder("series,method,scope,target_sparsity,weight_sparsity,nonzero_weights,accuracy,agreement,max_abs_diff,measured_ns,measured_speedup,estimated_ns,estimated_speedup,note\n");
            var b = rows[0];
            foreach (var r in rows)
                sb.AppendLine(string.Join(",", r.Series, r.Method?.ToString().ToLowerInvariant() ?? "", r.Scope?.ToString().ToLowerInvariant() ?? "",
                    Inv(r.TargetSparsity, "0.####"), Inv(r.WeightSparsity, "0.####"), r.Parameters.ToString(CultureInfo.InvariantCulture),
                    Inv(r.Accuracy, "0.####"), Inv(r.Agreement, "0.####"), Inv(r.MaxAbsDifference, "0.###e+0"),
                    Inv(r.MeasuredNs, "0"), Inv(r.MeasuredSpeedUp, "0.##"), Inv(r.EstimatedNs, "0"), Inv(b.EstimatedNs / r.EstimatedNs, "0.##"),
                    "\"" + (r.Note ?? "").Replace("\"", "'") + "\""));
            return sb.ToString();
        }

        internal static string Markdown(IReadOnlyList<SweepRow> rows, string modelPath, bool hasLabels)
        {
            var sb = new StringBuilder();
            sb.AppendLine($"Sweep of {Path.GetFileName(modelPath)} (one-shot pruning, no fine-tuning). Speed: ns per single-sample Predict, measured (median of 31 rounds over up to 512 samples, each round interleaved with one of the original; speed-up = median of the per-round ratios) and estimated by the generator's cost model.");
            sb.AppendLine();
            sb.AppendLine("| series | target | weight sparsity | nonzero weights | " + (hasLabels ? "accuracy | " : "") + "agreement | measured ns | speed-up | estimated ns | est. speed-up |");
            sb.AppendLine("|---|---:|---:|---:|" + (hasLabels ? "---:|" : "") + "---:|---:|---:|---:|---:|");
            var b = rows[0];
            foreach (var r in rows)
            {
                if (r.Note != null) { sb.AppendLine($"| {r.Series} | {Inv(r.TargetSparsity, "0.00")} | impossible: {r.Note} |"); continue; }
                sb.AppendLine("| " + string.Join(" | ", new[] { r.Series, Inv(r.TargetSparsity, "0.00"), Inv(r.WeightSparsity * 100, "0.0") + "%", r.Parameters.ToString("N0", CultureInfo.InvariantCulture) }
                    .Concat(hasLabels ? new[] { Inv(r.Accuracy, "0.0000") } : Array.Empty<string>())
                    .Concat(new[] { Inv(r.Agreement, "0.0000"), Inv(r.MeasuredNs, "N0"), Inv(r.MeasuredSpeedUp, "0.00") + (r.MeasuredSpeedUp != null ? "x" : ""),
                        Inv(r.EstimatedNs, "N0"), Inv(b.EstimatedNs / r.EstimatedNs, "0.00") + (r.EstimatedNs != null ? "x" : "") })) + " |");
            }
            return sb.ToString();
        }
    }
}
