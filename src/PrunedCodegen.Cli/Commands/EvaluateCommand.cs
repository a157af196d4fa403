using System.CommandLine;
using System.Globalization;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Evaluation;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg evaluate: accuracy, per-class precision and recall, confusion matrix, and agreement with another model.</summary>
    internal static class EvaluateCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to evaluate (one input, one output of class scores)." };
            var data = new Option<string>("--data") { Description = "Samples: .csv (one row per sample; a header is optional) or .npy ([samples, ...]).", Required = true };
            var labels = new Option<string?>("--labels") { Description = "Labels in their own file (.csv with one column, or .npy), one per sample." };
            var labelColumn = new Option<string?>("--label-column") { Description = "The CSV column holding the label (header name or 0-based index); default: a column named 'label' if there is one." };
            var against = new Option<string?>("--against") { Description = "A reference model (e.g. the unpruned one): top-1 agreement and output differences." };
            var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
            var command = new Command("evaluate",
                "Run a model on a data set with the code the generator makes of it (compiled in memory) and report accuracy,\n" +
                "per-class precision and recall, the confusion matrix, and with --against: top-1 agreement with another model\n" +
                "and the max/mean absolute difference of their outputs.\n\n" +
                "Examples:\n" +
                "  pcg evaluate pruned.onnx --data test.csv\n" +
                "  pcg evaluate pruned.onnx --data test.csv --label-column label --against model.onnx\n" +
                "  pcg evaluate pruned.onnx --data x_test.npy --labels y_test.npy --json")
            { model, data, labels, labelColumn, against, json };
            command.SetAction(parse => PcgApp.Guard(ui, () => Run(ui, parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(labels),
                parse.GetValue(labelColumn), parse.GetValue(against), parse.GetValue(json))));
            return command;
        }

        private static int Run(ToolOutput ui, string modelPath, string dataPath, string? labelsPath, string? labelColumn, string? againstPath, bool json)
        {
            var data = Inputs.ReadData(dataPath, labelsPath, labelColumn);
            float[] outputs;
            int classes;
            using (var compiled = ModelRunner.Load(modelPath))
            {
                outputs = ModelRunner.Run(compiled, data, modelPath);
                classes = compiled.OutputLength;
            }
            float[]? reference = null;
            if (againstPath != null)
            {
                using var other = ModelRunner.Load(againstPath);
                if (other.OutputLength != classes)
                    throw new UserErrorException(ExitCodes.BadModel, $"{againstPath} has {other.OutputLength} outputs per sample, {modelPath} has {classes}: they cannot be compared");
                reference = ModelRunner.Run(other, data, againstPath);
            }
            var report = Metrics.Compute(outputs, data.Rows, classes, data.Labels, reference);
            if (json)
            {
                ui.Writer.WriteLine(Json.Serialize(new
                {
                    model = modelPath, data = dataPath, against = againstPath,
                    report.Samples, report.Classes, report.Correct, report.Accuracy,
                    perClass = report.PerClass?.Select(c => new { c.Class, c.Support, c.Predicted, c.Correct, c.Precision, c.Recall }),
                    confusionMatrix = report.ConfusionMatrix,
                    report.Agreeing, report.Agreement, report.MaxAbsDifference, report.MeanAbsDifference,
                }));
                return ExitCodes.Success;
            }

            ui.Console.WriteLine($"{modelPath} on {dataPath}: {report.Samples} samples, {classes} outputs");
            if (report.Accuracy is double accuracy)
            {
                ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "accuracy: {0:0.0000} ({1}/{2})", accuracy, report.Correct, report.Samples));
                var perClass = new Table().Title("per class");
                foreach (var c in new[] { "class", "samples", "predicted", "correct", "precision", "recall" }) perClass.AddColumn(c);
                foreach (var c in report.PerClass!)
                    perClass.AddRow(c.Class.ToString(CultureInfo.InvariantCulture), c.Support.ToString(CultureInfo.InvariantCulture), c.Predicted.ToString(CultureInfo.InvariantCulture),
                        c.Correct.ToString(CultureInfo.InvariantCulture), Format.Fixed(c.Precision), Format.Fixed(c.Recall));
                ui.Console.Write(perClass);
                var confusion = new Table().Title("confusion matrix (rows: true class, columns: predicted)");
                confusion.AddColumn("");
                int n = report.ConfusionMatrix!.Length;
                for (int j = 0; j < n; j++) confusion.AddColumn(j.ToString(CultureInfo.InvariantCulture));
                for (int i = 0; i < n; i++)
                    confusion.AddRow(new[] { i.ToString(CultureInfo.InvariantCulture) }.Concat(report.ConfusionMatrix[i].Select(v => v.ToString(CultureInfo.InvariantCulture))).ToArray());
                ui.Console.Write(confusion);
            }
            else
            {
                ui.Console.WriteLine("no labels (give --labels, or a CSV column named 'label' or --label-column): accuracy not computed");
            }
            if (report.Agreement is double agreement)
                ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "against {0}: top-1 agreement {1:0.0000} ({2}/{3}), max |output difference| {4}, mean {5}",
                    againstPath, agreement, report.Agreeing, report.Samples, Format.Sci(report.MaxAbsDifference!.Value), Format.Sci(report.MeanAbsDifference!.Value)));
            return ExitCodes.Success;
        }
    }
}
