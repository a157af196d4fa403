using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PrunedCodegen.Cli.Charts;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Training.Data;
using PrunedCodegen.Training.Fitting;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>One row of a sweep: a pruned model's accuracy and speed.</summary>
    /// <remarks>The fine-tuned figures (null without --finetune-epochs) are the same pruned model after masked fine-tuning: same zeros, same speed.</remarks>
    internal sealed record SweepRow(string Series, PruneMethod? Method, PruneScope? Scope, double TargetSparsity, double WeightSparsity,
        int Parameters, double? Accuracy, double Agreement, double MaxAbsDifference, double? MeasuredNs, double? MeasuredSpeedUp, double? EstimatedNs, string? Note,
        double? FinetunedAccuracy = null, double? FinetunedAgreement = null);

    /// <summary>What the sweep fine-tunes each pruned model with (--finetune-epochs above 0).</summary>
    internal sealed record SweepFinetune(LabeledData Data, string DataPath, TrainingOptions Options, string ScheduleName);

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
            var json = new Option<bool>("--json") { Description = "Print the rows as JSON instead of the Markdown table (the files are written all the same)." };
            var finetuneEpochs = new Option<int>("--finetune-epochs") { Description = "Also fine-tune every pruned model for this many epochs on --train-data, zeros held fixed, and report both accuracies (0: one-shot only).", DefaultValueFactory = _ => 0 };
            var trainData = new Option<string?>("--train-data") { Description = "Labelled training data for --finetune-epochs (.csv with the label column, or .npy with --train-labels); --data stays the test data." };
            var shared = new PruneOptionsBinder();
            var training = new TrainingOptionsBinder("--lr-schedule", trainingDataOnly: true);
            var command = new Command("sweep",
                "Prune at every sparsity with every method (and scope) asked for, evaluate each model with the generated code,\n" +
                "time single-sample Predict (median of short timing loops) next to the cost model's estimate, and write a table\n" +
                "(CSV and Markdown) and a chart of accuracy and speed-up against sparsity. One-shot pruning; with --finetune-epochs E\n" +
                "each pruned model is also fine-tuned for E epochs on --train-data (zeros held fixed; the training options are those\n" +
                "of pcg finetune, with --lr-schedule for its --schedule and --train-labels for its --labels) and both accuracies are\n" +
                "reported and charted.\n\n" +
                "Examples:\n" +
                "  pcg sweep model.onnx --data test.csv -o sweep --sparsity 0.5:0.98:0.04 --method magnitude,random,structured\n" +
                "  pcg sweep model.onnx --data test.csv -o sweep --method magnitude --scopes global,layer --chart svg\n" +
                "  pcg sweep model.onnx --data x.npy --labels y.npy -o sweep --sparsity 0.5,0.9 --pattern block:8x1 --no-timing\n" +
                "  pcg sweep model.onnx --data test.csv -o sweep --sparsity 0.5:0.95:0.05 --finetune-epochs 10 --train-data train.csv")
            { model, data, labels, labelColumn, sparsity, methods, scopes, output, chart, noTiming, force, json, finetuneEpochs, trainData };
            shared.AddTo(command);
            training.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                var levels = ParseLevels(parse.GetValue(sparsity)!);
                var methodList = Split(parse.GetValue(methods)!).Select(PruneOptionsBinder.ParseMethod).Distinct().ToList();
                var scopeList = Split(parse.GetValue(scopes)!).Select(PruneOptionsBinder.ParseScope).Distinct().ToList();
                string chartFormat = parse.GetValue(chart)!.Trim().ToLowerInvariant();
                if (chartFormat is not ("svg" or "png" or "both" or "none"))
                    throw new UserErrorException(ExitCodes.Usage, $"--chart '{chartFormat}' is not one of svg, png, both, none");
                var template = shared.Bind(parse, PruneMethod.Magnitude, PruneScope.Global, levels[0]);
                int epochs = parse.GetValue(finetuneEpochs);
                string? trainPath = parse.GetValue(trainData), trainLabels = parse.GetValue(training.Labels);
                if (epochs < 0) throw new UserErrorException(ExitCodes.Usage, $"--finetune-epochs {epochs}: give 0 (one-shot only) or more epochs");
                if (epochs > 0 && trainPath == null)
                    throw new UserErrorException(ExitCodes.Usage, "--finetune-epochs needs --train-data: the labelled data to fine-tune on (--data is the test data)");
                if (epochs == 0 && (trainPath != null || trainLabels != null))
                    throw new UserErrorException(ExitCodes.Usage, "--train-data and --train-labels are for fine-tuning: give --finetune-epochs too");
                var trainingOptions = training.Bind(parse, epochs, parse.GetValue(shared.Seed));
                var loss = training.BindLoss(parse);
                return Run(ui, parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(labels), parse.GetValue(labelColumn), levels, methodList, scopeList,
                    template, parse.GetValue(output)!, chartFormat, !parse.GetValue(noTiming), parse.GetValue(force), parse.GetValue(json),
                    epochs == 0 ? null : (trainPath!, trainLabels, trainingOptions, loss, parse.GetValue(training.Schedule)!.Trim().ToLowerInvariant()));
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
            List<PruneMethod> methods, List<PruneScope> scopes, PruneOptions template, string prefix, string chartFormat, bool timing, bool force, bool json,
            (string Path, string? Labels, TrainingOptions Options, LossChoice Loss, string ScheduleName)? training)
        {
            bool svg = chartFormat is "svg" or "both", png = chartFormat is "png" or "both";
            if (png && PngChartRenderer.Unavailable is string why)
            {
                // The package carries SkiaSharp's native renderer for a few platforms only; SVG needs none.
                ui.Error.WriteLine($"warning: PNG charts need SkiaSharp's native renderer, which does not load here ({why}); writing {prefix}.svg{(svg ? " only" : " instead")}");
                (svg, png) = (true, false);
            }
            var outputs = new List<string> { prefix + ".csv", prefix + ".md" };
            if (svg) outputs.Add(prefix + ".svg");
            if (png) outputs.Add(prefix + ".png");
            var inputs = new[] { modelPath, dataPath, labelsPath, training?.Path, training?.Labels }.OfType<string>().ToArray();
            foreach (var path in outputs) OutputFile.Check(path, force, inputs);

            byte[] originalBytes = Inputs.ReadModelBytes(modelPath);
            var original = Inputs.ParseModel(modelPath, originalBytes);
            var data = Inputs.ReadData(dataPath, labelsPath, labelColumn);
            SweepFinetune? finetune = null;
            if (training is var (trainPath, trainLabels, trainOptions, loss, scheduleName))
            {
                var trainSet = Inputs.ReadData(trainPath, trainLabels, labelColumn);
                finetune = new SweepFinetune(TrainingSet.From(trainSet, trainPath, loss, FineTuning.Outputs(FineTuning.Load(original, modelPath), trainSet.Width, trainPath)),
                    trainPath, trainOptions, scheduleName);
            }
            var rows = new List<SweepRow>();
            var series = methods.SelectMany(m => scopes.Select(s => (Method: m, Scope: s))).ToList();
            float[] reference;
            int classes;

            // The original stays loaded: every pruned model is timed in rounds interleaved with it.
            using var baseline = ModelRunner.Load(modelPath, originalBytes);
            void Sweep(Action<string> describe, Action advance)
            {
                reference = ModelRunner.Run(baseline, data, modelPath);
                classes = baseline.OutputLength;
                var report = Metrics.Compute(reference, data.Rows, classes, data.Labels, reference);
                var inspection = ModelInspector.Inspect(original);
                rows.Add(new SweepRow("original", null, null, 0, inspection.Sparsity, inspection.Weights - inspection.Zeros, report.Accuracy, 1, 0,
                    timing ? CompiledModel.MeasureAgainst(baseline, baseline, data).CandidateNs : null, timing ? 1 : null, inspection.EstimatedNsPerSample, null));
                advance();
                foreach (var (method, scope) in series)
                    foreach (double level in levels)
                    {
                        string name = SeriesName(method, scope, template.Pattern);
                        describe(string.Format(CultureInfo.InvariantCulture, "{0} at {1:0.###}{2}", name, level, finetune != null ? ", fine-tuning" : ""));
                        rows.Add(Evaluate(ui, template with { Method = method, Scope = scope, Sparsity = level }, name, original, modelPath, data, reference, classes,
                            timing ? baseline : null, finetune));
                        advance();
                    }
            }
            if (json)
                Sweep(_ => { }, () => { });
            else
                ui.Console.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("pruning, compiling, evaluating", maxValue: 1 + series.Count * levels.Count);
                    Sweep(text => task.Description = Markup.Escape(text), () => task.Increment(1));
                });

            string markdown = Markdown(rows, modelPath, data.Labels != null, finetune);
            OutputFile.WriteAllText(prefix + ".csv", Csv(rows), force, inputs);
            OutputFile.WriteAllText(prefix + ".md", markdown, force, inputs);
            var chart = SweepChart.Build(rows, finetune?.Options.Epochs);
            if (svg) ChartFile.Save(chart, prefix + ".svg", force, inputs);
            if (png)
            {
                try
                {
                    ChartFile.Save(chart, prefix + ".png", force, inputs);
                }
                catch (Exception e) when (PngChartRenderer.IsNativeFailure(e))
                {
                    // The renderer loaded but a native library it calls did not: the SVG has the same chart.
                    ui.Error.WriteLine($"warning: the PNG chart could not be drawn ({PngChartRenderer.Describe(e)}); writing {prefix}.svg{(svg ? " only" : " instead")}");
                    outputs.Remove(prefix + ".png");
                    if (!svg)
                    {
                        ChartFile.Save(chart, prefix + ".svg", force, inputs);
                        outputs.Add(prefix + ".svg");
                    }
                }
            }

            if (json)
            {
                ui.Writer.WriteLine(Json.Serialize(new
                {
                    model = modelPath, data = dataPath, trainData = finetune?.DataPath, finetuneEpochs = finetune?.Options.Epochs ?? 0,
                    outputs,
                    rows = rows.Select(r => new
                    {
                        r.Series, method = r.Method?.ToString().ToLowerInvariant(), scope = r.Scope?.ToString().ToLowerInvariant(), r.TargetSparsity,
                        weightSparsity = double.IsNaN(r.WeightSparsity) ? (double?)null : r.WeightSparsity, nonzeroWeights = r.Parameters,
                        r.Accuracy, agreement = double.IsNaN(r.Agreement) ? (double?)null : r.Agreement, r.FinetunedAccuracy, r.FinetunedAgreement,
                        r.MeasuredNs, r.MeasuredSpeedUp, r.EstimatedNs, r.Note,
                    }),
                }));
                return ExitCodes.Success;
            }
            ui.Writer.Write(markdown);
            ui.Writer.WriteLine("wrote " + string.Join(", ", outputs));
            return ExitCodes.Success;
        }

        private static string SeriesName(PruneMethod method, PruneScope scope, PruningPattern pattern) =>
            method.ToString().ToLowerInvariant() + " " + scope.ToString().ToLowerInvariant() +
            (method != PruneMethod.Structured && pattern.Kind != PatternKind.Unstructured ? " " + pattern : "");

        private static SweepRow Evaluate(ToolOutput ui, PruneOptions options, string name, OnnxModel original, string modelPath, Dataset data, float[] reference, int classes,
            CompiledModel? timeAgainst, SweepFinetune? finetune)
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
            var tuned = finetune == null ? null : FinetuneAndEvaluate(ui, result.Model, modelPath, finetune, data, reference, classes);
            return new SweepRow(name, options.Method, options.Scope, options.Sparsity, result.Sparsity, inspection.Weights - inspection.Zeros,
                report.Accuracy, report.Agreement!.Value, report.MaxAbsDifference!.Value,
                timed?.Item2, timed?.Item3, inspection.EstimatedNsPerSample, null, tuned?.Accuracy, tuned?.Agreement);
        }

        /// <summary>
        /// The pruned model after masked fine-tuning, evaluated with the generated code like the one-shot one. Its zeros are
        /// the one-shot model's (checked), so its speed is too and it is not timed again.
        /// </summary>
        private static EvaluationReport FinetuneAndEvaluate(ToolOutput ui, OnnxModel pruned, string modelPath, SweepFinetune finetune, Dataset data, float[] reference, int classes)
        {
            var graph = FineTuning.Load(pruned, modelPath);
            long zeros = FineTuning.CountZeros(graph);
            FineTuning.Fit(ui, graph, finetune.Data, finetune.Options, "finetune", quiet: true);
            if (FineTuning.CountZeros(graph) != zeros)
                throw new InvalidOperationException($"the zero pattern changed during fine-tuning ({zeros} zeros before, {FineTuning.CountZeros(graph)} after)");
            using var compiled = ModelRunner.Load(modelPath, graph.ToOnnx());
            return Metrics.Compute(ModelRunner.Run(compiled, data, modelPath), data.Rows, classes, data.Labels, reference);
        }

        private static string Inv(double? v, string format) => v is double d && !double.IsNaN(d) ? d.ToString(format, CultureInfo.InvariantCulture) : "";

        internal static string Csv(IReadOnlyList<SweepRow> rows)
        {
            var sb = new StringBuilder("series,method,scope,target_sparsity,weight_sparsity,nonzero_weights,accuracy,agreement,max_abs_diff,measured_ns,measured_speedup,estimated_ns,estimated_speedup,finetuned_accuracy,finetuned_agreement,note\n");
            var b = rows[0];
            foreach (var r in rows)
                sb.AppendLine(string.Join(",", r.Series, r.Method?.ToString().ToLowerInvariant() ?? "", r.Scope?.ToString().ToLowerInvariant() ?? "",
                    Inv(r.TargetSparsity, "0.####"), Inv(r.WeightSparsity, "0.####"), r.Parameters.ToString(CultureInfo.InvariantCulture),
                    Inv(r.Accuracy, "0.####"), Inv(r.Agreement, "0.####"), Inv(r.MaxAbsDifference, "0.###e+0"),
                    Inv(r.MeasuredNs, "0"), Inv(r.MeasuredSpeedUp, "0.##"), Inv(r.EstimatedNs, "0"), Inv(b.EstimatedNs / r.EstimatedNs, "0.##"),
                    Inv(r.FinetunedAccuracy, "0.####"), Inv(r.FinetunedAgreement, "0.####"),
                    "\"" + (r.Note ?? "").Replace("\"", "'") + "\""));
            return sb.ToString();
        }

        internal static string Markdown(IReadOnlyList<SweepRow> rows, string modelPath, bool hasLabels, SweepFinetune? finetune = null)
        {
            var sb = new StringBuilder();
            sb.Append($"Sweep of {Path.GetFileName(modelPath)} (one-shot pruning");
            if (finetune is { Options: var o })
                sb.Append(string.Format(CultureInfo.InvariantCulture, "; \"fine-tuned\": the same pruned model after {0} epochs of masked fine-tuning on {1}, {2} lr {3:G3}, batch {4}, {5} learning-rate schedule, validation {6:0.##}, seed {7}{8}",
                    o.Epochs, Path.GetFileName(finetune.DataPath), o.Optimizer.ToString().ToLowerInvariant(), o.LearningRate, o.BatchSize, finetune.ScheduleName, o.ValidationFraction, o.Seed,
                    o.Regularization == Regularization.None ? "" : string.Format(CultureInfo.InvariantCulture, ", {0} {1:G3}", o.Regularization.ToString().ToLowerInvariant(), o.Lambda)));
            else
                sb.Append(", no fine-tuning");
            sb.AppendLine("). Speed: ns per single-sample Predict, measured (median of 31 rounds over up to 512 samples, each round interleaved with one of the original; speed-up = median of the per-round ratios) and estimated by the generator's cost model.");
            sb.AppendLine();
            bool tuned = finetune != null;
            string tunedHeader = tuned ? (hasLabels ? "fine-tuned accuracy | " : "fine-tuned agreement | ") : "";
            sb.AppendLine("| series | target | weight sparsity | nonzero weights | " + (hasLabels ? "accuracy | " : "") + tunedHeader + "agreement | measured ns | speed-up | estimated ns | est. speed-up |");
            sb.AppendLine("|---|---:|---:|---:|" + (hasLabels ? "---:|" : "") + (tuned ? "---:|" : "") + "---:|---:|---:|---:|---:|");
            var b = rows[0];
            foreach (var r in rows)
            {
                if (r.Note != null) { sb.AppendLine($"| {r.Series} | {Inv(r.TargetSparsity, "0.00")} | impossible: {r.Note} |"); continue; }
                sb.AppendLine("| " + string.Join(" | ", new[] { r.Series, Inv(r.TargetSparsity, "0.00"), Inv(r.WeightSparsity * 100, "0.0") + "%", r.Parameters.ToString("N0", CultureInfo.InvariantCulture) }
                    .Concat(hasLabels ? new[] { Inv(r.Accuracy, "0.0000") } : Array.Empty<string>())
                    .Concat(tuned ? new[] { Inv(hasLabels ? r.FinetunedAccuracy : r.FinetunedAgreement, "0.0000") } : Array.Empty<string>())
                    .Concat(new[] { Inv(r.Agreement, "0.0000"), Inv(r.MeasuredNs, "N0"), Inv(r.MeasuredSpeedUp, "0.00") + (r.MeasuredSpeedUp != null ? "x" : ""),
                        Inv(r.EstimatedNs, "N0"), Inv(b.EstimatedNs / r.EstimatedNs, "0.00") + (r.EstimatedNs != null ? "x" : "") })) + " |");
            }
            return sb.ToString();
        }
    }
}
