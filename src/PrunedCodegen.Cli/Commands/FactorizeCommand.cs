using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Factorization;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Training.Fitting;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>
    /// pcg factorize: replaces dense layers by two thin layers from a truncated SVD, optionally fine-tunes, and reports
    /// accuracy and measured Predict speed against the original on --data.
    /// </summary>
    internal static class FactorizeCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to factorise (never modified)." };
            var output = new Option<string>("--output", "-o") { Description = "The factorised model to write (.onnx).", Required = true };
            var rank = new Option<int?>("--rank") { Description = "Singular values kept per layer (capped at the layer's rank)." };
            var energy = new Option<double?>("--energy") { Description = "Keep the fewest singular values holding this share of each layer's spectrum energy (sum of squares), in (0, 1], e.g. 0.95." };
            var rankMultiple = new Option<int>("--rank-multiple")
            {
                Description = "With --energy: round each rank down to a multiple of this (a rank below one multiple is kept). The generated code runs the thin first layer's r outputs in vectors " +
                    "(16 floats with AVX-512, 8 with AVX2): on the digits MLP rank 16 ran 1.97x dense and rank 17 1.60x. Default 1: no rounding.",
                DefaultValueFactory = _ => 1,
            };
            var conv = new Option<bool>("--conv")
            {
                Description = "Also factorise convolutions (group 1) across channels: a conv of r filters with the original window, then a 1x1 conv with the bias.",
            };
            var layers = new Option<string[]>("--layers") { Description = "Layers to factorise (node or weight names; repeat or separate with commas). Default: every Gemm and MatMul layer where it saves weights.", AllowMultipleArgumentsPerToken = true };
            var data = new Option<string?>("--data") { Description = "Test samples (.csv or .npy, as for evaluate): accuracy of both models and Predict timed against the original." };
            var labels = new Option<string?>("--labels") { Description = "Labels of --data in their own file (.csv or .npy)." };
            var labelColumn = new Option<string?>("--label-column") { Description = "The CSV label column (name or 0-based index); default: 'label' if present." };
            var finetuneEpochs = new Option<int>("--finetune-epochs") { Description = "Fine-tune the factorised model for this many epochs on --train-data (0: none).", DefaultValueFactory = _ => 0 };
            var trainData = new Option<string?>("--train-data") { Description = "Labelled training data for --finetune-epochs (.csv with the label column, or .npy with --train-labels)." };
            var seed = new Option<int>("--seed") { Description = "Seeds the fine-tune's validation split and batch order.", DefaultValueFactory = _ => 0 };
            var force = new Option<bool>("--force") { Description = "Replace the output if it exists." };
            var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of tables." };
            var training = new TrainingOptionsBinder("--lr-schedule", trainingDataOnly: true);
            var command = new Command("factorize",
                "Low-rank factorisation: each Gemm/MatMul weight W [out x in] becomes two thin layers from its truncated SVD,\n" +
                "x -> A x (A = sqrt(S_r) V_r^T, r x in) -> B (A x) (B = U_r sqrt(S_r), out x r), bias and activation unchanged.\n" +
                "Rank r per layer from --rank, or from --energy (the share of sum(s_i^2) kept; the Frobenius error is the rest),\n" +
                "optionally rounded down to a multiple of --rank-multiple (16 suits AVX-512: rank 33 costs what 48 would).\n" +
                "With --conv, convolutions too, across channels (r filters with the original window, then a 1x1 conv).\n" +
                "A layer is factorised only where r (in + out) is below its nonzero weights. With --finetune-epochs the thin layers\n" +
                "are fine-tuned on --train-data (training options as for pcg finetune, --lr-schedule for its --schedule); with\n" +
                "--data both models are evaluated with the generated code and Predict is timed against the original.\n" +
                "pcg inspect shows each layer's rank at 90/95/99% energy.\n\n" +
                "Examples:\n" +
                "  pcg factorize model.onnx -o thin.onnx --energy 0.95 --data test.csv\n" +
                "  pcg factorize model.onnx -o thin.onnx --rank 16 --layers fc1,fc2\n" +
                "  pcg factorize model.onnx -o thin.onnx --energy 0.95 --rank-multiple 16 --data test.csv\n" +
                "  pcg factorize model.onnx -o thin.onnx --energy 0.9 --finetune-epochs 5 --train-data train.csv --data test.csv")
            { model, output, rank, energy, rankMultiple, conv, layers, data, labels, labelColumn, finetuneEpochs, trainData, seed, force, json };
            training.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                int? r = parse.GetValue(rank);
                double? e = parse.GetValue(energy);
                if ((r == null) == (e == null))
                    throw new UserErrorException(ExitCodes.Usage, "give one of --rank R and --energy E (e.g. --energy 0.95)");
                int multiple = parse.GetValue(rankMultiple);
                if (multiple < 1) throw new UserErrorException(ExitCodes.Usage, $"--rank-multiple {multiple}: give 1 or more");
                if (multiple > 1 && r != null) throw new UserErrorException(ExitCodes.Usage, "--rank-multiple rounds the ranks --energy chooses; with --rank, give the rank you want");
                int epochs = parse.GetValue(finetuneEpochs);
                string? trainPath = parse.GetValue(trainData);
                if (epochs < 0) throw new UserErrorException(ExitCodes.Usage, $"--finetune-epochs {epochs}: give 0 or more");
                if (epochs > 0 && trainPath == null) throw new UserErrorException(ExitCodes.Usage, "--finetune-epochs needs --train-data");
                if (epochs == 0 && trainPath != null) throw new UserErrorException(ExitCodes.Usage, "--train-data is only read with --finetune-epochs above 0");
                var options = new FactorizeOptions
                {
                    Rank = r, Energy = e, RankMultiple = multiple, Convolutions = parse.GetValue(conv),
                    Layers = (parse.GetValue(layers) ?? System.Array.Empty<string>()).SelectMany(v => v.Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).ToArray(),
                };
                (string, string?, TrainingOptions, LossChoice)? fit = epochs == 0 ? null : (trainPath!, parse.GetValue(training.Labels), training.Bind(parse, epochs, parse.GetValue(seed)), training.BindLoss(parse));
                return Run(ui, parse.GetValue(model)!, parse.GetValue(output)!, options, parse.GetValue(data), parse.GetValue(labels), parse.GetValue(labelColumn),
                    fit, parse.GetValue(force), parse.GetValue(json));
            }));
            return command;
        }

        private static int Run(ToolOutput ui, string input, string output, FactorizeOptions options, string? dataPath, string? labelsPath, string? labelColumn,
            (string Path, string? Labels, TrainingOptions Options, LossChoice Loss)? fit, bool force, bool json)
        {
            var inputs = new[] { input, dataPath, labelsPath, fit?.Path, fit?.Labels }.OfType<string>().ToArray();
            OutputFile.Check(output, force, inputs);
            var clock = Stopwatch.StartNew();
            byte[] originalBytes = Inputs.ReadModelBytes(input);
            var original = Inputs.ParseModel(input, originalBytes);
            var data = dataPath == null ? null : Inputs.ReadData(dataPath, labelsPath, labelColumn);

            FactorizeResult result;
            try
            {
                result = LowRankFactorizer.Factorize(original, options);
            }
            catch (PruningException e)
            {
                throw new UserErrorException(e.Error == PruningError.UnknownLayer ? ExitCodes.UnknownLayer : ExitCodes.ImpossibleSparsity, e.Message);
            }
            // Nothing to factorise is exit code 9, as prune's "nothing to prune": the request is valid, the model has no layer where it applies.
            if (!result.Layers.Any(l => l.Factorized))
                throw new UserErrorException(ExitCodes.NothingToPrune, "no layer was factorised: " + (result.Layers.Count == 0
                    ? "the model has no Gemm or MatMul layer with constant weights"
                    : string.Join("; ", result.Layers.Select(l => $"{l.Name} skipped: {l.Skipped}"))));

            var factorized = result.Model;
            TrainingResult? training = null;
            if (fit is var (trainPath, trainLabels, trainOptions, loss))
            {
                var trainSet = Inputs.ReadData(trainPath, trainLabels, labelColumn);
                var graph = FineTuning.Load(factorized, input);
                var train = TrainingSet.From(trainSet, trainPath, loss, FineTuning.Outputs(graph, trainSet.Width, trainPath));
                training = FineTuning.Fit(ui, graph, train, trainOptions, "finetune", quiet: json);
                factorized = graph.WriteBack();
            }
            byte[] bytes = OnnxWriter.Write(factorized);

            // Evaluate both with the generated code before writing, so a model the generator cannot compile is not left behind.
            Comparison? comparison = data == null ? null : Compare(input, originalBytes, bytes, data);
            OutputFile.WriteAllBytes(output, bytes, force, inputs);
            double seconds = clock.Elapsed.TotalSeconds;

            if (json)
            {
                ui.Writer.WriteLine(Json.Serialize(new
                {
                    model = input, output, rank = options.Rank, energy = options.Energy, rankMultiple = options.RankMultiple,
                    layers = result.Layers.Select(l => new
                    {
                        l.Name, l.OpType, l.Outputs, l.Inputs, l.FullRank, l.Rank, l.EnergyRank, l.EnergyKept, l.NonzerosBefore, l.WeightsAfter,
                        l.ParamsBefore, l.ParamsAfter, l.MacsBefore, l.MacsAfter, l.MacsPer, l.Factorized, l.Skipped,
                    }),
                    weightsBefore = result.NonzerosBefore, weightsAfter = result.WeightsAfter,
                    paramsBefore = result.Layers.Sum(l => l.ParamsBefore), paramsAfter = result.Layers.Sum(l => l.ParamsAfter),
                    // Per-sample MACs of the Gemm and MatMul layers (a conv's are per output position, in its own row).
                    macsBefore = result.Layers.Where(l => l.OpType != "Conv").Sum(l => l.MacsBefore), macsAfter = result.Layers.Where(l => l.OpType != "Conv").Sum(l => l.MacsAfter),
                    finetune = training == null ? null : FineTuning.Summary(training),
                    evaluation = comparison == null ? null : new
                    {
                        data = dataPath, samples = data!.Rows,
                        accuracyBefore = comparison.Before.Accuracy, accuracyAfter = comparison.After.Accuracy,
                        agreement = comparison.After.Agreement, maxAbsDifference = comparison.After.MaxAbsDifference,
                        originalNs = comparison.OriginalNs, factorizedNs = comparison.FactorizedNs, speedUp = comparison.SpeedUp,
                    },
                    seconds, bytes = bytes.Length,
                }));
                return ExitCodes.Success;
            }

            var table = new Table().Title(Markup.Escape(string.Format(CultureInfo.InvariantCulture, "{0} -> {1}: {2}", input, output,
                options.Rank is int r ? $"rank {r}" : $"energy {options.Energy!.Value.ToString("0.###", CultureInfo.InvariantCulture)}"
                    + (options.RankMultiple > 1 ? $", ranks rounded down to multiples of {options.RankMultiple}" : ""))));
            foreach (var c in new[] { "layer", "op", "shape (out x in)", "rank kept / full", "energy kept", "params before", "params after", "MACs before", "MACs after", "" })
                table.AddColumn(c);
            foreach (var l in result.Layers)
                table.AddRow(Markup.Escape(l.Name), l.OpType, $"{l.Outputs} x {l.Inputs}", l.Rank is int kept ? $"{kept} / {l.FullRank}" + (l.EnergyRank is int asked && asked != kept ? $" (energy: {asked})" : "") : "-",
                    l.EnergyKept is double e ? Format.Percent(e) : "-", Format.Int(l.ParamsBefore), l.Factorized ? Format.Int(l.ParamsAfter) : "-",
                    Macs(l, l.MacsBefore), l.Factorized ? Macs(l, l.MacsAfter) : "-",
                    Markup.Escape(l.Factorized ? $"{l.Outputs} x {l.Rank} after {l.Rank} x {l.Inputs}" : "skipped: " + l.Skipped));
            table.AddRow("total", "", "", "", "", Format.Int(result.Layers.Sum(l => l.ParamsBefore)), Format.Int(result.Layers.Sum(l => l.ParamsAfter)),
                Format.Int(result.Layers.Where(l => l.OpType != "Conv").Sum(l => l.MacsBefore)), Format.Int(result.Layers.Where(l => l.OpType != "Conv").Sum(l => l.MacsAfter)),
                result.Layers.Any(l => l.OpType == "Conv") ? "MACs: Gemm and MatMul layers only" : "");
            ui.Console.Write(table);
            ui.Console.WriteLine("Params: weights and bias. MACs: multiply-adds per sample (per row of a 2-D input; a conv's per output position, /pos), one per nonzero weight before, r (in + out) after.");
            if (training != null)
                ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Fine-tuned {0} epochs; kept epoch {1} (lowest validation loss).", training.Epochs.Count, training.BestEpoch));
            if (comparison != null)
            {
                ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "On {0} ({1} samples): accuracy {2} -> {3}, top-1 agreement with the original {4}; Predict {5} -> {6} ns per sample ({7:0.00}x, measured, interleaved).",
                    dataPath, data!.Rows, Format.Fixed(comparison.Before.Accuracy ?? double.NaN), Format.Fixed(comparison.After.Accuracy ?? double.NaN),
                    Format.Fixed(comparison.After.Agreement ?? double.NaN), Format.Ns(comparison.OriginalNs), Format.Ns(comparison.FactorizedNs), comparison.SpeedUp));
            }
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Weights {0} -> {1}; wrote {2} ({3} bytes) in {4:0.0} s.",
                Format.Int(result.NonzerosBefore), Format.Int(result.WeightsAfter), output, Format.Int(bytes.Length), seconds));
            return ExitCodes.Success;
        }

        private static string Macs(LayerFactorization layer, long macs) => Format.Int(macs) + (layer.OpType == "Conv" ? " /pos" : "");

        private sealed record Comparison(EvaluationReport Before, EvaluationReport After, double OriginalNs, double FactorizedNs, double SpeedUp);

        private static Comparison Compare(string input, byte[] originalBytes, byte[] factorizedBytes, Dataset data)
        {
            using var baseline = ModelRunner.Load(input, originalBytes);
            using var candidate = ModelRunner.Load(input, factorizedBytes);
            float[] reference = ModelRunner.Run(baseline, data, input);
            float[] outputs = ModelRunner.Run(candidate, data, input);
            int classes = baseline.OutputLength;
            var before = Metrics.Compute(reference, data.Rows, classes, data.Labels, reference);
            var after = Metrics.Compute(outputs, data.Rows, classes, data.Labels, reference);
            var (originalNs, factorizedNs, speedUp) = CompiledModel.MeasureAgainst(baseline, candidate, data);
            return new Comparison(before, after, originalNs, factorizedNs, speedUp);
        }
    }
}
