using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Training.Fitting;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg prune: pruning by magnitude, gradient or Taylor scores, at random, or of whole neurons, one-shot or gradual with fine-tuning, into a new ONNX file.</summary>
    internal static class PruneCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to prune (never modified)." };
            var output = new Option<string>("--output", "-o") { Description = "The pruned model to write (.onnx).", Required = true };
            var method = new Option<string>("--method") { Description = "magnitude (smallest |w| go), random (baseline), or structured (whole neurons of smallest norm, removed from the graph).", DefaultValueFactory = _ => "magnitude" };
            var sparsity = new Option<double?>("--sparsity") { Description = "Fraction of weights to remove, in [0, 1) (of neurons, for structured). Implied by an N:M pattern." };
            var force = new Option<bool>("--force") { Description = "Replace the output if it exists." };
            var schedule = new Option<string>("--schedule") { Description = "oneshot: prune to the target at once; gradual: --rounds rounds from the current sparsity to the target along a cubic schedule, fine-tuning after each (needs --data).", DefaultValueFactory = _ => "oneshot" };
            var rounds = new Option<int>("--rounds") { Description = "Pruning rounds of the gradual schedule (default 4: on the digits MLP at 90%, 4 rounds x 4 epochs score 0.9644, 3 x 4 0.9578).", DefaultValueFactory = _ => 4 };
            var finetuneEpochs = new Option<int?>("--finetune-epochs") { Description = "Fine-tuning epochs after each round, zeros held fixed (default: 4 for gradual, 0 for oneshot)." };
            var criterion = new Option<string>("--criterion") { Description = "magnitude (|w|), gradient (|dL/dw|) or taylor (|w dL/dw|), the last two summed over 8 batches of 64 from --data.", DefaultValueFactory = _ => "magnitude" };
            var data = new Option<string?>("--data") { Description = "Labelled training data (as for finetune): for the fine-tunes and the gradient and taylor criteria." };
            var shared = new PruneOptionsBinder();
            var training = new TrainingOptionsBinder("--lr-schedule");
            var command = new Command("prune",
                "Prune a model and write the result as a new ONNX model: in one shot, or gradually (--schedule gradual: rounds of\n" +
                "pruning along a cubic schedule, each followed by fine-tuning on --data with the zeros held fixed; the training\n" +
                "options are those of pcg finetune, with --lr-schedule for its --schedule).\n" +
                "Structured pruning removes neurons (and conv filters) physically: the next layer's inputs shrink, and the constant\n" +
                "a removed neuron would pass on (its bias through BatchNormalization and the activation) is folded into the next\n" +
                "layer's bias. Gradually, structured rounds zero whole neurons (held at zero by the fine-tunes) and remove them\n" +
                "after the last round; N:M rounds tighten the pattern (for 2:4: 3:4, then 2:4).\n\n" +
                "Examples:\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.9\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.8 --scope layer --keep-first-last\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.75 --pattern block:8x1\n" +
                "  pcg prune model.onnx -o pruned.onnx --pattern 2:4\n" +
                "  pcg prune model.onnx -o pruned.onnx --method structured --sparsity 0.5 --norm l2\n" +
                "  pcg prune model.onnx -o pruned.onnx --method random --sparsity 0.9 --seed 1 --exclude fc3\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.9 --schedule gradual --rounds 3 --finetune-epochs 4 --data train.csv\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.9 --schedule gradual --criterion taylor --data train.csv --regularize l1 --lambda 1e-4\n" +
                "  pcg prune model.onnx -o pruned.onnx --method structured --sparsity 0.5 --schedule gradual --rounds 3 --data train.csv\n" +
                "  pcg prune model.onnx -o pruned.onnx --pattern 2:4 --schedule gradual --rounds 2 --data train.csv\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.9 --finetune-epochs 10 --data train.csv --optimizer sgd --lr 0.05")
            { model, output, method, sparsity, force, schedule, rounds, finetuneEpochs, criterion, data };
            shared.AddTo(command);
            training.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                var pruneMethod = PruneOptionsBinder.ParseMethod(parse.GetValue(method)!);
                var options = shared.Bind(parse, pruneMethod, PruneOptionsBinder.ParseScope(parse.GetValue(shared.Scope)!), parse.GetValue(sparsity));
                bool gradual = parse.GetValue(schedule)!.Trim().ToLowerInvariant() switch
                {
                    "oneshot" or "one-shot" => false,
                    "gradual" => true,
                    string other => throw new UserErrorException(ExitCodes.Usage, $"--schedule '{other}' is not one of oneshot, gradual"),
                };
                var pruneCriterion = parse.GetValue(criterion)!.Trim().ToLowerInvariant() switch
                {
                    "magnitude" => PruneCriterion.Magnitude,
                    "gradient" => PruneCriterion.Gradient,
                    "taylor" => PruneCriterion.Taylor,
                    string other => throw new UserErrorException(ExitCodes.Usage, $"--criterion '{other}' is not one of magnitude, gradient, taylor"),
                };
                int roundCount = parse.GetValue(rounds);
                if (roundCount < 1) throw new UserErrorException(ExitCodes.Usage, $"--rounds {roundCount}: give at least 1 round");
                int epochs = parse.GetValue(finetuneEpochs) ?? (gradual ? 4 : 0);
                string? dataPath = parse.GetValue(data);
                if (pruneCriterion != PruneCriterion.Magnitude && pruneMethod != PruneMethod.Magnitude)
                    throw new UserErrorException(ExitCodes.Usage, $"--criterion {pruneCriterion.ToString().ToLowerInvariant()} replaces magnitude scores; it does not combine with --method {pruneMethod.ToString().ToLowerInvariant()}");
                if (pruneCriterion != PruneCriterion.Magnitude && dataPath == null)
                    throw new UserErrorException(ExitCodes.Usage, $"--criterion {pruneCriterion.ToString().ToLowerInvariant()} needs --data: its scores are gradients of the loss on training data");
                if (gradual && pruneMethod == PruneMethod.Random)
                    throw new UserErrorException(ExitCodes.Usage, "--schedule gradual keeps the weights that matter round by round; it takes --method magnitude (with any --criterion) or structured, not random");
                if (pruneMethod == PruneMethod.Structured && options.Pattern.Kind != PatternKind.Unstructured)
                    throw new UserErrorException(ExitCodes.Usage, $"--method structured removes whole neurons (or conv filters); --pattern {options.Pattern} chooses which weights of a kept neuron are zero, " +
                        "so the two do not combine (in one round or in gradual rounds): give --method structured, or --pattern with --method magnitude");
                if (epochs > 0 && dataPath == null)
                    throw new UserErrorException(ExitCodes.Usage, gradual
                        ? "--schedule gradual fine-tunes after each round and needs --data (or --finetune-epochs 0)"
                        : "--finetune-epochs needs --data");
                if (!gradual && epochs == 0 && pruneCriterion == PruneCriterion.Magnitude)
                    return Run(ui, parse.GetValue(model)!, parse.GetValue(output)!, options, parse.GetValue(force));
                var trainingOptions = training.Bind(parse, epochs, parse.GetValue(shared.Seed));
                return RunWithTraining(ui, parse.GetValue(model)!, parse.GetValue(output)!, options, parse.GetValue(force), pruneCriterion,
                    gradual ? roundCount : 1, dataPath!, parse.GetValue(training.Labels), parse.GetValue(training.LabelColumn), trainingOptions, training.BindLoss(parse));
            }));
            return command;
        }

        private static int Run(ToolOutput ui, string input, string output, PruneOptions options, bool force)
        {
            OutputFile.Check(output, force, input);
            var original = Inputs.ReadModel(input);
            var result = Pruner.PruneModel(original, options);
            byte[] bytes = OnnxWriter.Write(result.Model);
            OutputFile.WriteAllBytes(output, bytes, force, input);

            var table = new Table().Title(Markup.Escape($"{input} -> {output}: {options.Method.ToString().ToLowerInvariant()}, {options.Scope.ToString().ToLowerInvariant()}, {options.Pattern}"));
            foreach (var c in new[] { "layer", "op", "pruned", "shape before", "shape after", "nonzeros before", "nonzeros after", "sparsity" })
                table.AddColumn(c);
            foreach (var l in result.Layers)
                table.AddRow(Markup.Escape(l.Name), l.OpType, l.Pruned ? "yes" : "no", $"{l.OutputsBefore} x {l.InputsBefore}", $"{l.OutputsAfter} x {l.InputsAfter}",
                    Format.Int(l.NonzerosBefore), Format.Int(l.NonzerosAfter), Format.Percent(l.Sparsity));
            ui.Console.Write(table);
            WriteNotes(ui, result.Layers);
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Overall weight sparsity {0}{1}; wrote {2} ({3} bytes).",
                Format.Percent(result.Sparsity), result.RemovedNeurons > 0 ? $", {result.RemovedNeurons} neurons removed" : "", output, Format.Int(bytes.Length)));
            return ExitCodes.Success;
        }

        /// <summary>Pruning with data: gradient criteria, fine-tuning after pruning, or the gradual schedule.</summary>
        private static int RunWithTraining(ToolOutput ui, string input, string output, PruneOptions options, bool force, PruneCriterion criterion,
            int rounds, string dataPath, string? labelsPath, string? labelColumn, TrainingOptions training, LossChoice loss)
        {
            var inputs = labelsPath == null ? new[] { input, dataPath } : new[] { input, dataPath, labelsPath };
            OutputFile.Check(output, force, inputs);
            var clock = Stopwatch.StartNew();
            var original = Inputs.ReadModel(input);
            var dataset = Inputs.ReadData(dataPath, labelsPath, labelColumn);
            var train = TrainingSet.From(dataset, dataPath, loss, FineTuning.Outputs(FineTuning.Load(original, input), dataset.Width, dataPath));
            var result = GradualPruning.Run(ui, original, input, options, criterion, rounds, train, training, quiet: false);
            byte[] bytes = OnnxWriter.Write(result.Model);
            OutputFile.WriteAllBytes(output, bytes, force, inputs);

            var roundTable = new Table().Title(Markup.Escape(string.Format(CultureInfo.InvariantCulture, "{0} -> {1}: {2} round(s), criterion {3}, from {4} sparsity",
                input, output, rounds, criterion.ToString().ToLowerInvariant(), Format.Percent(result.InitialSparsity))));
            foreach (var c in new[] { "round", "target", "reached", "epochs", "kept epoch", "train loss", "val loss", "val acc", "seconds" })
                roundTable.AddColumn(c);
            foreach (var r in result.Rounds)
            {
                var kept = r.Kept;
                roundTable.AddRow(r.Round.ToString(CultureInfo.InvariantCulture), Format.Percent(r.Target), Format.Percent(r.Reached),
                    (r.Training?.Epochs.Count ?? 0).ToString(CultureInfo.InvariantCulture), r.Training?.BestEpoch.ToString(CultureInfo.InvariantCulture) ?? "-",
                    Format.Fixed(kept?.TrainLoss ?? double.NaN), Format.Fixed(kept?.ValidationLoss ?? double.NaN), Format.Fixed(kept?.ValidationAccuracy ?? double.NaN),
                    r.Seconds.ToString("0.00", CultureInfo.InvariantCulture));
            }
            ui.Console.Write(roundTable);
            var table = new Table().Title("layers");
            foreach (var c in new[] { "layer", "op", "pruned", "shape before", "shape after", "nonzeros before", "nonzeros after", "sparsity" })
                table.AddColumn(c);
            foreach (var l in result.Layers)
                table.AddRow(Markup.Escape(l.Name), l.OpType, l.Pruned ? "yes" : "no", $"{l.OutputsBefore} x {l.InputsBefore}", $"{l.OutputsAfter} x {l.InputsAfter}",
                    Format.Int(l.NonzerosBefore), Format.Int(l.NonzerosAfter), Format.Percent(l.Sparsity));
            ui.Console.Write(table);
            WriteNotes(ui, result.Layers);
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Sparsity of the pruned layers {0}; wrote {1} ({2} bytes) in {3:0.0} s.",
                Format.Percent(result.Sparsity), output, Format.Int(bytes.Length), clock.Elapsed.TotalSeconds));
            return ExitCodes.Success;
        }

        /// <summary>Why structured pruning left layers alone (grouped convs, a layer feeding one, ops it cannot pass through).</summary>
        private static void WriteNotes(ToolOutput ui, IEnumerable<LayerPruneReport> layers)
        {
            foreach (var l in layers.Where(l => l.Note != null))
                ui.Console.WriteLine($"{l.Name} not pruned: {l.Note}");
        }
    }
}
