// KernelCalibration: measures every generated kernel on single-layer models and fits the planner's cost model
// (issue 3). One command runs it all: tools/KernelCalibration/run.sh (docs/kernel-calibration.md).
//
//   KernelCalibration write --dir <models dir> [--set full|quick]
//       Writes <name>.<kernel>.onnx per layer and kernel (the generator maps one file to one class), and one
//       <group>.props of PrunedModel items per model group, plus groups.txt (one group per line).
//   KernelCalibration run --dir <models dir> --bin <Models/bin dir> --out <results dir> [--set full|quick] [--batch 16|0] [--rounds 25] [--stat median|min]
//       Loads the model assemblies, times Predict (and PredictBatch) per layer, checks every kernel's output against
//       a double-precision reference, asks the planner what it predicts, fits the per-unit constants, and writes
//       calibration.json and calibration.md.
//   KernelCalibration plan --onnx <file.onnx> | --bench mlp784_s90|mlp784_b90|mlp1024_s90|...
//       The planner's costs and choice per layer of an MLP (a Gemm/Relu ONNX file, or a benchmark-suite MLP rebuilt
//       with its seeds), before the generator's passes (which may remove dead neurons first).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelCalibration;
using PrunedCodegen.Onnx;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: KernelCalibration write|run ... (see Program.cs)");
    return 2;
}
var opts = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"KernelCalibration: bad option '{args[i]}'");
        return 2;
    }
    opts[args[i].Substring(2)] = args[++i];
}
string set = opts.GetValueOrDefault("set", "full");
try
{
    switch (args[0])
    {
        case "write":
            return Write(opts["dir"], set);
        case "plan":
            return PlanCommand(opts.TryGetValue("onnx", out var onnxPath) ? BenchModels.Mlp.FromOnnx(File.ReadAllBytes(onnxPath)) : BenchMlp(opts["bench"]));
        case "run":
            Timing.UseMin = opts.GetValueOrDefault("stat", "median") == "min";
            var runner = new CalibrationRunner
            {
                Rounds = int.Parse(opts.GetValueOrDefault("rounds", "25"), CultureInfo.InvariantCulture),
                Batch = int.Parse(opts.GetValueOrDefault("batch", "16"), CultureInfo.InvariantCulture),
            };
            var results = runner.Run(Catalog.Cases(set), opts["bin"]);
            Directory.CreateDirectory(opts["out"]);
            Report.Write(results, opts["out"], set, opts.GetValueOrDefault("load", ""));
            return results.Any(r => r.Error != null) ? 1 : 0;
        default:
            Console.Error.WriteLine($"KernelCalibration: unknown command '{args[0]}'");
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException or KeyNotFoundException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"KernelCalibration: error: {e.Message}");
    return 1;
}

static int Write(string dir, string set)
{
    Directory.CreateDirectory(dir);
    var cases = Catalog.Cases(set);
    var groups = new List<string>();
    var props = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
    long literals = 0, unrolled = 0;
    foreach (var c in cases)
    {
        var mlp = c.Build();
        byte[] onnx = OnnxWriter.Write(mlp.ToOnnx(c.Name));
        if (!props.TryGetValue(c.Group, out var sb))
        {
            groups.Add(c.Group);
            props[c.Group] = sb = new StringBuilder("<Project>\n  <!-- Written by KernelCalibration write. -->\n  <ItemGroup>\n");
        }
        var layer = mlp.Layers[0];
        foreach (string kernel in c.Kernels)
        {
            string path = Path.GetFullPath(Path.Combine(dir, $"{c.Name}.{kernel}.onnx"));
            WriteIfChanged(path, onnx);
            sb.Append($"    <PrunedModel Include=\"{path}\" ClassName=\"{c.ClassName(kernel)}\" Namespace=\"KernelCalibration.Models\" Kernel=\"{kernel}\" />\n");
            literals += kernel switch
            {
                "dense" => layer.Weights.Length,
                "block" => 8L * PrunedCodegen.Planning.KernelPlanner.CountBlocks(Planner.Op(layer), 8),
                _ => layer.Nonzeros,
            };
            if (kernel == "unrolled") unrolled += layer.Nonzeros;
        }
    }
    foreach (var g in groups)
    {
        props[g].Append("  </ItemGroup>\n</Project>\n");
        WriteIfChanged(Path.Combine(dir, g + ".props"), Encoding.UTF8.GetBytes(props[g].ToString()));
    }
    WriteIfChanged(Path.Combine(dir, "groups.txt"), Encoding.UTF8.GetBytes(string.Join("\n", groups) + "\n"));
    Console.WriteLine($"KernelCalibration: {cases.Count} layers, {cases.Sum(c => c.Kernels.Count)} classes in {groups.Count} groups; " +
        $"about {literals / 1e6:0.00} M weight literals (block counted at 8 rows) and {unrolled / 1e3:0.0} k unrolled statements");
    return 0;
}

static BenchModels.Mlp BenchMlp(string name)
{
    var m = System.Text.RegularExpressions.Regex.Match(name, "^mlp(784|1024)_([sb])([0-9]+)$");
    if (!m.Success) throw new ArgumentException($"unknown benchmark model '{name}' (mlp784_s90, mlp1024_b90, ...)");
    int[] widths = m.Groups[1].Value == "784" ? new[] { 784, 512, 512, 10 } : new[] { 1024, 2048, 2048, 1024 };
    var mlp = BenchModels.Mlp.Random(widths, ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    double sparsity = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) / 100.0;
    return sparsity == 0 ? mlp : mlp.PruneLayerwise(sparsity, m.Groups[2].Value == "b" ? 8 : 1);
}

static int PlanCommand(BenchModels.Mlp mlp)
{
    foreach (var layer in mlp.Layers)
    {
        var p = Planner.Plan(layer);
        Console.WriteLine($"{layer.K}x{layer.N} nonzeros {p.Nonzeros}: {p.KernelName} (dense {p.DenseCostNs:0}, block {p.BlockSize}x1 {p.BlockCostNs:0}, sparse {p.SparseCostNs:0}, unrolled {p.UnrolledCostNs:0} ns)");
    }
    return 0;
}

static void WriteIfChanged(string path, byte[] bytes)
{
    if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return;
    File.WriteAllBytes(path, bytes);
}
