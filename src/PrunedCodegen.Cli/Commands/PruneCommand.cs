using System.CommandLine;
using System.Globalization;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg prune: one-shot pruning by magnitude, at random, or of whole neurons, into a new ONNX file.</summary>
    internal static class PruneCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model to prune (never modified)." };
            var output = new Option<string>("--output", "-o") { Description = "The pruned model to write (.onnx).", Required = true };
            var method = new Option<string>("--method") { Description = "magnitude (smallest |w| go), random (baseline), or structured (whole neurons of smallest norm, removed from the graph).", DefaultValueFactory = _ => "magnitude" };
            var sparsity = new Option<double?>("--sparsity") { Description = "Fraction of weights to remove, in [0, 1) (of neurons, for structured). Implied by an N:M pattern." };
            var force = new Option<bool>("--force") { Description = "Replace the output if it exists." };
            var shared = new PruneOptionsBinder();
            var command = new Command("prune",
                "Prune a model in one shot (no fine-tuning) and write the result as a new ONNX model.\n" +
                "Structured pruning removes neurons (and conv filters) physically: the next layer's inputs shrink, and the constant\n" +
                "a removed neuron would pass on (its bias through BatchNormalization and the activation) is folded into the next\n" +
                "layer's bias.\n\n" +
                "Examples:\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.9\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.8 --scope layer --keep-first-last\n" +
                "  pcg prune model.onnx -o pruned.onnx --sparsity 0.75 --pattern block:8x1\n" +
                "  pcg prune model.onnx -o pruned.onnx --pattern 2:4\n" +
                "  pcg prune model.onnx -o pruned.onnx --method structured --sparsity 0.5 --norm l2\n" +
                "  pcg prune model.onnx -o pruned.onnx --method random --sparsity 0.9 --seed 1 --exclude fc3")
            { model, output, method, sparsity, force };
            shared.AddTo(command);
            command.SetAction(parse => PcgApp.Guard(ui, () =>
            {
                var options = shared.Bind(parse, PruneOptionsBinder.ParseMethod(parse.GetValue(method)!), PruneOptionsBinder.ParseScope(parse.GetValue(shared.Scope)!), parse.GetValue(sparsity));
                return Run(ui, parse.GetValue(model)!, parse.GetValue(output)!, options, parse.GetValue(force));
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
            ui.Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "Overall weight sparsity {0}{1}; wrote {2} ({3} bytes).",
                Format.Percent(result.Sparsity), result.RemovedNeurons > 0 ? $", {result.RemovedNeurons} neurons removed" : "", output, Format.Int(bytes.Length)));
            return ExitCodes.Success;
        }
    }
}
