using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tuning;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg finetune: trains a (pruned) model's weights on labelled data, every zero held at exactly zero.</summary>
    internal static class FinetuneCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to fine-tune (never modified)." };
            var data = new Option<string>("--data") { Description = "Training samples: .csv (a 'label' column and one column per input value) or .npy with --labels.", Required = true };
            var output = new Option<string>("--output", "-o") { Description = "The fine-tuned model to write (.onnx).", Required = true };
            var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 10 };
            var seed = new Option<int>("--seed") { Description = "Seeds the validation split and the batch order: the same seed gives the same weights on one machine.", DefaultValueFactory = _ => 0 };
            var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress and tables." };
            var force = new Option<bool>("--force") { Description = "Replace the output if it exists." };
            var training = new TrainingOptionsBinder("--schedule");
            var command = new Command("finetune",
                "Fine-tune a model's float weights on labelled data with its zero pattern held fixed: every weight (and bias)\n" +
                "that is zero stays exactly zero, so a pruned model wins back accuracy without losing sparsity. Mini-batch\n" +
                "SGD (momentum) or Adam, a learning-rate schedule, a validation split whose best epoch is kept, early stopping.\n" +
                "Loss: cross-entropy for classifiers (logits, or probabilities when the model ends in Softmax).\n\n" +
                "Examples:\n" +
                "  pcg finetune pruned.onnx --data train.csv -o tuned.onnx --epochs 10\n" +
                "  pcg finetune pruned.onnx --data train.csv -o tuned.onnx --epochs 30 --optimizer sgd --lr 0.05 --schedule cosine --patience 5\n" +
                "  pcg finetune pruned.onnx --data x_train.npy --labels y_train.npy -o tuned.onnx --regularize l1 --lambda 1e-4 --seed 1 --json")
            { model, data, output, epochs, seed, json, force };
            training.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                var options = training.Bind(parse, parse.GetValue(epochs), parse.GetValue(seed));
                return Run(ui, parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(training.Labels), parse.GetValue(training.LabelColumn),
                    parse.GetValue(output)!, options, training.BindLoss(parse), parse.GetValue(json), parse.GetValue(force));
            }));
            return command;
        }

        private static int Run(ToolOutput ui, string input, string dataPath, string? labelsPath, string? labelColumn, string output,
            Training.Fitting.TrainingOptions options, LossChoice loss, bool json, bool force)
        {
            var inputs = labelsPath == null ? new[] { input, dataPath } : new[] { input, dataPath, labelsPath };
            OutputFile.Check(output, force, inputs);
            var clock = Stopwatch.StartNew();
            var graph = FineTuning.Load(Inputs.ReadModel(input), input);
            var dataset = Inputs.ReadData(dataPath, labelsPath, labelColumn);
            var train = TrainingSet.From(dataset, dataPath, loss, FineTuning.Outputs(graph, dataset.Width, dataPath));
            long zerosBefore = FineTuning.CountZeros(graph);
            var before = FineTuning.Evaluate(graph, train);

            var result = FineTuning.Fit(ui, graph, train, options, "finetune", quiet: json);
            long zerosAfter = FineTuning.CountZeros(graph);
            if (zerosAfter != zerosBefore)
                throw new System.InvalidOperationException($"the zero pattern changed during fine-tuning ({zerosBefore} zeros before, {zerosAfter} after)");
            var after = FineTuning.Evaluate(graph, train);
            byte[] bytes = graph.ToOnnx();
            OutputFile.WriteAllBytes(output, bytes, force, inputs);
            double seconds = clock.Elapsed.TotalSeconds;

            if (json)
            {
                ui.Writer.WriteLine(Json.Serialize(new
                {
                    model = input, data = dataPath, output, samples = train.Count,
                    optimizer = options.Optimizer.ToString().ToLowerInvariant(), learningRate = options.LearningRate, options.BatchSize,
                    validation = options.ValidationFraction, options.Patience, options.Seed,
                    regularize = options.Regularization.ToString().ToLowerInvariant(), lambda = options.Lambda,
                    zeros = zerosAfter,
                    before = new { loss = before.Loss, accuracy = before.Accuracy },
                    after = new { loss = after.Loss, accuracy = after.Accuracy },
                    training = FineTuning.Summary(result),
                    seconds,
                    bytes = bytes.Length,
                }));
                return ExitCodes.Success;
            }
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0} epochs{1}; kept epoch {2} (lowest validation loss). On all {3} training samples: loss {4} -> {5}, accuracy {6} -> {7}.",
                result.Epochs.Count, result.StoppedEarly ? " (stopped early)" : "", result.BestEpoch, train.Count,
                Format.Fixed(before.Loss), Format.Fixed(after.Loss), Format.Fixed(before.Accuracy), Format.Fixed(after.Accuracy)));
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} zeros held fixed; wrote {1} ({2} bytes) in {3:0.0} s.",
                Format.Int(zerosAfter), output, Format.Int(bytes.Length), seconds));
            return ExitCodes.Success;
        }
    }
}
