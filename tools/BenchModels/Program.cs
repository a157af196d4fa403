// BenchModels: writes the models of the benchmark suite (tests/PrunedCodegen.Benchmarks) and of the build-cost
// script (tools/build-cost), with fixed seeds, through the project's own ONNX writer; and times the generator's
// core (ModelCompiler.Compile, exactly what the Roslyn generator runs) on a model file.
//
//   BenchModels write --request <file> --manifest <file> --fixtures <dir>
//       <file> has one line per PrunedModel item: "<path>|<ClassName>|<Kernel>[|<assembly>]" (the assembly when
//       the class is compiled into one of its own rather than the benchmark's). The model is named by the
//       file name up to its first dot ("mlp784_s90.dense.onnx" is model mlp784_s90). Also writes, per model,
//       <name>.onnx (for ONNX Runtime) and <name>.layers.bin (weights and inputs for the C# baselines), and a
//       JSON manifest. Files are only rewritten when their bytes change, so rebuilds stay incremental.
//   BenchModels model --params <n> --sparsity <s> --out <file.onnx>
//       An n-n-n ReLU MLP (two square layers) with about <n> parameters, globally magnitude-pruned to <s>.
//   BenchModels compile --model <file.onnx> [--kernel auto|dense|sparse|block|unrolled] [--repeat <r>] [--emit <file.cs>]
//       Runs the generator core <r> times and prints one JSON line: median ms, source chars, diagnostics;
//       --emit also writes the generated source (to read what a benchmark model compiles to).
//
// Model names: digits_dense, digits_pruned, digits_cnn_dense, digits_cnn_pruned (the committed fixtures); mlp784_s<pct> (784-512-512-10, PyTorch's
// nn.Linear initialisation, seed 784, magnitude pruning of each layer to <pct>%, unstructured), mlp784_b<pct> (same
// in blocks of 8 output rows x 1 input column), mlp1024_s<pct> / mlp1024_b<pct> (1024-2048-2048-1024, seed 1024).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BenchModels;
using PrunedCodegen;
using PrunedCodegen.Onnx;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: BenchModels write|model|compile ... (see Program.cs)");
    return 2;
}
var opts = ParseOptions(args.Skip(1).ToArray());
try
{
    return args[0] switch
    {
        "write" => Commands.Write(opts["request"], opts["manifest"], opts["fixtures"]),
        "model" => Commands.WriteSized(long.Parse(opts["params"], CultureInfo.InvariantCulture), double.Parse(opts["sparsity"], CultureInfo.InvariantCulture), opts["out"]),
        "compile" => Commands.Compile(opts["model"], opts.GetValueOrDefault("kernel", "auto"), int.Parse(opts.GetValueOrDefault("repeat", "3"), CultureInfo.InvariantCulture), opts.GetValueOrDefault("emit")),
        _ => throw new ArgumentException($"unknown command '{args[0]}'"),
    };
}
catch (Exception e) when (e is ArgumentException or KeyNotFoundException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"BenchModels: error: {e.Message}");
    return 1;
}

static Dictionary<string, string> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < a.Length; i++)
    {
        if (!a[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= a.Length) throw new ArgumentException($"bad option '{a[i]}'");
        d[a[i].Substring(2)] = a[++i];
    }
    return d;
}

namespace BenchModels
{
    internal static class Commands
    {
        private const int BenchSamples = 64;

        public static int Write(string requestFile, string manifestFile, string fixturesDir)
        {
            var sw = Stopwatch.StartNew();
            var requests = File.ReadAllLines(requestFile)
                .Where(l => l.Trim().Length > 0)
                .Select(l => l.Split('|'))
                .Select(p => (Path: Path.GetFullPath(p[0].Trim()), Class: p[1].Trim(), Kernel: p.Length > 2 && p[2].Trim().Length > 0 ? p[2].Trim().ToLowerInvariant() : "auto",
                    Assembly: p.Length > 3 && p[3].Trim().Length > 0 ? Path.GetFullPath(p[3].Trim()) : null))
                .ToList();
            var models = new List<object>();
            int written = 0;
            foreach (var group in requests.GroupBy(r => ModelName(r.Path)).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                string name = group.Key;
                string dir = Path.GetDirectoryName(group.First().Path)!;
                var (onnx, mlp, info) = Build(name, fixturesDir);
                var stats = mlp != null ? Stats.Of(mlp) : Stats.Of(CnnSummary.FromOnnx(onnx));
                string basePath = Path.Combine(dir, name + ".onnx");
                string layersPath = Path.Combine(dir, name + ".layers.bin");
                written += WriteIfChanged(basePath, onnx) ? 1 : 0;
                written += WriteIfChanged(layersPath, LayersFile(mlp, stats, Inputs(name, stats.InputLength, fixturesDir))) ? 1 : 0;
                foreach (var r in group)
                    written += WriteIfChanged(r.Path, onnx) ? 1 : 0;
                models.Add(new
                {
                    name,
                    kind = stats.Kind,
                    family = info.Family,
                    arch = stats.Arch,
                    pattern = info.Pattern,
                    target_sparsity = info.TargetSparsity,
                    sparsity = 1.0 - (double)stats.NonzeroWeights / stats.Weights,
                    layer_sparsity = stats.LayerSparsity,
                    weights = stats.Weights,
                    @params = stats.Params,
                    nonzero_weights = stats.NonzeroWeights,
                    multiply_adds = stats.MultiplyAdds,
                    input_length = stats.InputLength,
                    output_length = stats.OutputLength,
                    dense_ref = info.DenseRef,
                    onnx = basePath,
                    layers = layersPath,
                    variants = group.Select(r => new { kernel = r.Kernel, @class = r.Class, file = r.Path, assembly = r.Assembly }).ToArray(),
                });
                Console.WriteLine($"  {name,-17} {stats.Params,10} params, {1.0 - (double)stats.NonzeroWeights / stats.Weights,6:P1} sparse, variants: {string.Join(", ", group.Select(r => r.Kernel))}");
            }
            var manifest = new { generator = "tools/BenchModels", samples = BenchSamples, models };
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true });
            WriteIfChanged(manifestFile, json);
            Console.WriteLine($"BenchModels: {models.Count} models, {written} files (re)written in {sw.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }

        public static int WriteSized(long parameters, double sparsity, string outPath)
        {
            // Two square layers n x n with biases: 2n^2 + 2n parameters.
            int n = (int)Math.Round((-2 + Math.Sqrt(4 + 8.0 * parameters)) / 4);
            var mlp = Mlp.Random(new[] { n, n, n }, seed: (ulong)parameters);
            if (sparsity > 0) mlp = mlp.PruneGlobal(sparsity);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            WriteIfChanged(outPath, OnnxWriter.Write(mlp.ToOnnx($"mlp{n}")));
            Console.WriteLine(JsonSerializer.Serialize(new { file = outPath, arch = $"{n}-{n}-{n}", @params = mlp.ParamCount, nonzero_weights = mlp.NonzeroWeights }));
            return 0;
        }

        public static int Compile(string modelPath, string kernel, int repeat, string? emitPath)
        {
            byte[] bytes = File.ReadAllBytes(modelPath);
            // The generator's Kernel metadata values; any other KernelChoice member by name (e.g. a newer kernel).
            var choice = kernel switch
            {
                "auto" => KernelChoice.Auto,
                "dense" => KernelChoice.DenseSimd,
                "sparse" => KernelChoice.SparseRows,
                _ => CompileOptions.ParseKernel(kernel) is KernelChoice parsed ? parsed : Enum.TryParse<KernelChoice>(kernel, ignoreCase: true, out var k) ? k : throw new ArgumentException($"unknown kernel '{kernel}'"),
            };
            var options = new CompileOptions("BuildCostModel", "BuildCost", Path.GetFileName(modelPath)) { Kernel = choice };
            var times = new List<double>();
            CompileResult? result = null;
            for (int i = 0; i < Math.Max(1, repeat); i++)
            {
                var sw = Stopwatch.StartNew();
                result = ModelCompiler.Compile(bytes, options);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            if (emitPath != null && result!.Source != null) File.WriteAllText(emitPath, result.Source);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file = modelPath,
                kernel,
                first_ms = Math.Round(times[times.Count - 1], 1),
                median_ms = Math.Round(times[times.Count / 2], 1),
                source_chars = result!.Source?.Length ?? 0,
                source_utf8_bytes = result.Source == null ? 0 : Encoding.UTF8.GetByteCount(result.Source),
                diagnostics = result.Diagnostics.Select(d => $"{d.Id}: {d.Message}").ToArray(),
            }));
            return result.Succeeded ? 0 : 1;
        }

        /// <summary>"mlp784_s90.dense.onnx" → "mlp784_s90".</summary>
        private static string ModelName(string path)
        {
            string file = Path.GetFileName(path);
            int dot = file.IndexOf('.');
            return dot < 0 ? file : file.Substring(0, dot);
        }

        private sealed record Info(string Family, string Pattern, double TargetSparsity, string DenseRef);

        /// <summary>What the manifest says of a model's size, whatever its kind; MultiplyAdds = useful multiply-adds per sample.</summary>
        private sealed record Stats(string Kind, string Arch, int InputLength, int OutputLength, long Weights, long Params, long NonzeroWeights, long MultiplyAdds, double[] LayerSparsity)
        {
            public static Stats Of(Mlp mlp) => new("mlp",
                string.Join("-", new[] { mlp.InputLength }.Concat(mlp.Layers.Select(l => l.N))),
                mlp.InputLength, mlp.OutputLength, mlp.WeightCount, mlp.ParamCount, mlp.NonzeroWeights, mlp.NonzeroWeights,
                mlp.Layers.Select(l => Math.Round(1.0 - (double)l.Nonzeros / l.Weights.Length, 4)).ToArray());

            /// <summary>Arch like "1x8x8-c16-c32-10": input C x H x W, filters per conv, then the Gemm's outputs.</summary>
            public static Stats Of(CnnSummary cnn) => new("cnn",
                string.Join("x", cnn.InputShape) + "-" + string.Join("-", cnn.Layers.Select(l => (l.Op == "Conv" ? "c" : "") + l.Outputs.ToString(CultureInfo.InvariantCulture))),
                cnn.InputLength, cnn.OutputLength, cnn.WeightCount, cnn.ParamCount, cnn.NonzeroWeights, cnn.MultiplyAdds,
                cnn.Layers.Select(l => Math.Round(1.0 - (double)l.Nonzeros / l.Weights, 4)).ToArray());
        }

        private static (byte[] Onnx, Mlp? Mlp, Info Info) Build(string name, string fixturesDir)
        {
            if (name == "digits_dense" || name == "digits_pruned")
            {
                byte[] bytes = File.ReadAllBytes(Path.Combine(fixturesDir, "digits", name + ".onnx"));
                return (bytes, Mlp.FromOnnx(bytes), new Info("digits", name == "digits_dense" ? "dense" : "unstructured (PyTorch global L1, fine-tuned)", name == "digits_dense" ? 0 : 0.9, "digits_dense"));
            }
            if (name == "digits_cnn_dense" || name == "digits_cnn_pruned")
            {
                byte[] bytes = File.ReadAllBytes(Path.Combine(fixturesDir, "digits_cnn", name + ".onnx"));
                bool dense = name == "digits_cnn_dense";
                return (bytes, null, new Info("digits_cnn", dense ? "dense" : "filters (50% of each conv's filters by L1 norm, fine-tuned)", dense ? 0 : 0.5, "digits_cnn_dense"));
            }
            var m = Regex.Match(name, "^mlp(784|1024)_([sb])([0-9]+)$");
            if (!m.Success) throw new ArgumentException($"unknown model name '{name}'");
            int[] widths = m.Groups[1].Value == "784" ? new[] { 784, 512, 512, 10 } : new[] { 1024, 2048, 2048, 1024 };
            ulong seed = ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            double sparsity = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) / 100.0;
            bool blocks = m.Groups[2].Value == "b";
            var mlp = Mlp.Random(widths, seed);
            if (sparsity > 0) mlp = mlp.PruneLayerwise(sparsity, blocks ? 8 : 1);
            string family = "mlp" + m.Groups[1].Value;
            string pattern = sparsity == 0 ? "dense" : blocks ? "8x1 blocks" : "unstructured";
            return (OnnxWriter.Write(mlp.ToOnnx(name)), mlp, new Info(family, pattern, sparsity, family + "_s0"));
        }

        /// <summary>The benchmark inputs: the first test images for digits, uniform [0, 1) otherwise (seeded).</summary>
        private static float[] Inputs(string name, int inputLength, string fixturesDir)
        {
            var x = new float[BenchSamples * inputLength];
            if (name.StartsWith("digits", StringComparison.Ordinal))
            {
                var rows = File.ReadLines(Path.Combine(fixturesDir, "digits", "digits_test.csv"))
                    .Select(l => l.Split(','))
                    .Where(p => p.Length == inputLength + 1 && float.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    .Take(BenchSamples).ToList();
                if (rows.Count < BenchSamples) throw new InvalidDataException($"digits_test.csv has {rows.Count} rows of {inputLength} pixels, {BenchSamples} needed");
                for (int s = 0; s < rows.Count; s++)
                    for (int i = 0; i < inputLength; i++)
                        x[s * inputLength + i] = float.Parse(rows[s][i + 1], CultureInfo.InvariantCulture);
                return x;
            }
            var rng = new SplitMix64(12345);
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
            return x;
        }

        /// <summary>
        /// Layers file, little-endian: "PCGL", int32 version 1, layer count, input length, output length; per layer
        /// int32 N, K, relu (0/1), float32 W[N*K] row-major (out x in), float32 b[N]; then int32 samples and
        /// float32 inputs[samples * input length]. A CNN has no layers here (count 0): its baselines read the ONNX file.
        /// </summary>
        private static byte[] LayersFile(Mlp? mlp, Stats stats, float[] inputs)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Encoding.ASCII.GetBytes("PCGL"));
                w.Write(1);
                w.Write(mlp?.Layers.Count ?? 0);
                w.Write(stats.InputLength);
                w.Write(stats.OutputLength);
                foreach (var l in mlp?.Layers ?? Array.Empty<Layer>())
                {
                    w.Write(l.N); w.Write(l.K); w.Write(l.Relu ? 1 : 0);
                    foreach (float v in l.Weights) w.Write(v);
                    foreach (float v in l.Bias) w.Write(v);
                }
                w.Write(inputs.Length / stats.InputLength);
                foreach (float v in inputs) w.Write(v);
            }
            return ms.ToArray();
        }

        private static bool WriteIfChanged(string path, byte[] bytes)
        {
            if (File.Exists(path))
            {
                var info = new FileInfo(path);
                if (info.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return false;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllBytes(path, bytes);
            return true;
        }
    }
}
