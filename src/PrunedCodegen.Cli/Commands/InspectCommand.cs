using System.CommandLine;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Factorization;
using PrunedCodegen.Model;
using Spectre.Console;

namespace PrunedCodegen.Cli.Commands
{
    /// <summary>pcg inspect: per-layer shape, sparsity, block occupancy, dead neurons, MACs, and the generator's kernel choice.</summary>
    internal static class InspectCommand
    {
        public static Command Create(ToolOutput ui)
        {
            var model = new Argument<string>("model") { Description = "The ONNX model (.onnx)." };
            var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
            var command = new Command("inspect",
                "Per-layer table: shape, parameters, zeros, sparsity, 8x1 block occupancy, dead neurons (outputs) and\n" +
                "inputs, multiply-adds dense vs nonzero, and the kernel the generator would pick with its cost estimate.\n\n" +
                "Examples:\n" +
                "  pcg inspect model.onnx\n" +
                "  pcg inspect model.onnx --json > layers.json")
            { model, json };
            command.SetAction(parse => PcgApp.Guard(ui, () => Run(ui, parse.GetValue(model)!, parse.GetValue(json))));
            return command;
        }

        /// <summary>Cost-model estimates to 0.1 ns: the model is not more precise, and JSON should not show 203.26000000000002.</summary>
        private static double? Estimate(double? ns) => ns is double v ? System.Math.Round(v, 1) : null;

        private static int Run(ToolOutput ui, string path, bool json)
        {
            var onnx = Inputs.ReadModel(path);
            var inspection = ModelInspector.Inspect(onnx);
            var spectra = Spectra(onnx);
            if (json)
            {
                ui.Writer.WriteLine(Json.Serialize(new
                {
                    model = path,
                    layers = inspection.Layers.Select(l => new
                    {
                        l.Name, l.OpType, l.Outputs, l.Inputs, l.Parameters, l.Weights, l.Zeros, l.Sparsity, l.BlockOccupancy,
                        l.DeadOutputs, l.DeadInputs, l.DenseMacs, l.NonzeroMacs, l.Kernel, estimatedNs = Estimate(l.EstimatedNs),
                    }),
                    totals = new { inspection.Parameters, inspection.Weights, inspection.Zeros, inspection.Sparsity, inspection.DenseMacs, inspection.NonzeroMacs },
                    estimatedNsPerSample = Estimate(inspection.EstimatedNsPerSample),
                    planError = inspection.PlanError,
                    lowRank = spectra.Select(x => new
                    {
                        x.Name, x.Outputs, x.Inputs, x.FullRank, x.Nonzeros,
                        ranks = EnergyLevels.Select(e => new { energy = e, rank = x.RankAt(e), weights = (long)x.RankAt(e) * (x.Inputs + x.Outputs) }),
                    }),
                }));
                return ExitCodes.Success;
            }

            var table = new Table().Title(Markup.Escape(path));
            foreach (var c in new[] { "#", "layer", "op", "shape (out x in)", "params", "zeros", "sparsity", "blocks 8x1 used", "dead out/in", "MACs dense", "MACs nonzero", "kernel (est. ns)" })
                table.AddColumn(new TableColumn(c));
            for (int i = 0; i < inspection.Layers.Count; i++)
            {
                var l = inspection.Layers[i];
                table.AddRow(Markup.Escape(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Markup.Escape(l.Name), l.OpType, $"{l.Outputs} x {l.Inputs}",
                    Format.Int(l.Parameters), Format.Int(l.Zeros), Format.Percent(l.Sparsity), Format.Percent(l.BlockOccupancy),
                    $"{l.DeadOutputs}/{l.DeadInputs}", Format.Int(l.DenseMacs), Format.Int(l.NonzeroMacs),
                    Markup.Escape(l.Kernel == null ? "-" : $"{l.Kernel} ({l.EstimatedNs:0})"));
            }
            table.AddRow("", "total", "", "", Format.Int(inspection.Parameters), Format.Int(inspection.Zeros), Format.Percent(inspection.Sparsity), "", "",
                Format.Int(inspection.DenseMacs), Format.Int(inspection.NonzeroMacs),
                inspection.EstimatedNsPerSample is double ns ? Format.Ns(ns) + " ns/sample" : "-");
            ui.Console.Write(table);
            if (inspection.PlanError != null)
                ui.Console.WriteLine("The generator cannot compile this model: " + inspection.PlanError);
            else
                ui.Console.WriteLine("Kernel and ns: the generator's cost model for one single-sample Predict (an estimate, not a measurement).");
            if (spectra.Count > 0)
            {
                var lowRank = new Table().Title("low-rank: the rank holding each share of the spectrum's energy (pcg factorize --energy; convolutions with --conv), and its weights");
                foreach (var c in new[] { "layer", "shape (out x in)", "nonzero weights", "full rank" }.Concat(EnergyLevels.Select(e => Format.Percent(e))))
                    lowRank.AddColumn(c);
                foreach (var x in spectra)
                    lowRank.AddRow(new[] { Markup.Escape(x.Name), $"{x.Outputs} x {x.Inputs}", Format.Int(x.Nonzeros), x.FullRank.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                        .Concat(EnergyLevels.Select(e => $"{x.RankAt(e)} ({Format.Int((long)x.RankAt(e) * (x.Inputs + x.Outputs))})")).ToArray());
                ui.Console.Write(lowRank);
            }
            return ExitCodes.Success;
        }

        private static readonly double[] EnergyLevels = { 0.9, 0.95, 0.99 };

        private sealed record Spectrum(string Name, int Outputs, int Inputs, long Nonzeros, double[] Values)
        {
            public int FullRank => Values.Length;
            public int RankAt(double energy) => LowRankFactorizer.RankForEnergy(Values, energy);
        }

        /// <summary>The singular values of every Gemm and MatMul layer, and of every group-1 convolution's [filters x fan-in] matrix (pcg factorize --conv).</summary>
        private static System.Collections.Generic.List<Spectrum> Spectra(Onnx.OnnxModel model) =>
            LayerFinder.Find(model).Where(l => System.Math.Min(l.Outputs, l.Inputs) >= 1
                    && !(l.Node.OpType == "Conv" && l.Node.Attributes.Any(a => a.Name == "group" && a.I != 1)))
                .Select(l => new Spectrum(l.Name, l.Outputs, l.Inputs, l.ReadMatrix().LongCount(w => w != 0f), LowRankFactorizer.Spectrum(l)))
                .ToList();
    }
}
