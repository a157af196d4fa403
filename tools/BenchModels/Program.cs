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
// in blocks of 8 output rows x 1 input column), mlp1024_s<pct> / mlp1024_b<pct> (1024-2048-2048-1024, seed 1024);
// <family>_dense / _f50 / _s80 for the real CNNs of CnnZoo.cs (mnist_cnn, cifar_cnn, resnet8, mobilenet025, dscnn,
// superres, detector): dense, 50% of the filters zero (structured), 80% of the weights zero (unstructured). A real CNN's
// variants are first compiled with the generator's core; one it refuses is listed in generator-failures.txt next to the
// manifest (the benchmark's build leaves it out) and its diagnostic goes into the manifest.
// Extra input sets (issue 15) go to <name>.inputs.<set>.bin: "uniform" for the digits models, "image" (MNIST-like,
// ~80% zeros) for the 784-input models.
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
using PrunedCodegen.Diagnostics;
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
        /// <summary>Models with more inputs than this per sample (the 224x224 and 240x320 CNNs) get 16 samples: batches up to 16.</summary>
        private const int LargeInputLength = 16384;
        private const int LargeModelSamples = 16;

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
            var failures = new List<string>();
            int written = 0;
            foreach (var group in requests.GroupBy(r => ModelName(r.Path)).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                string name = group.Key;
                string dir = Path.GetDirectoryName(group.First().Path)!;
                var (onnx, mlp, info) = Build(name, fixturesDir);
                var stats = info.Graph != null ? Stats.Of(info.Graph) : mlp != null ? Stats.Of(mlp) : Stats.Of(CnnSummary.FromOnnx(onnx));
                string basePath = Path.Combine(dir, name + ".onnx");
                string layersPath = Path.Combine(dir, name + ".layers.bin");
                written += WriteIfChanged(basePath, onnx) ? 1 : 0;
                int samples = stats.InputLength > LargeInputLength ? LargeModelSamples : BenchSamples;
                var primary = Inputs(name, stats.InputLength, samples, fixturesDir);
                written += WriteIfChanged(layersPath, LayersFile(mlp, stats, primary)) ? 1 : 0;
                var inputSets = new List<object> { new { set = PrimaryInputSet(name), suffix = "", file = layersPath, zero_fraction = ZeroFraction(primary) } };
                foreach (var (set, inputs) in ExtraInputSets(name, stats.InputLength, samples, fixturesDir))
                {
                    string file = Path.Combine(dir, $"{name}.inputs.{set}.bin");
                    written += WriteIfChanged(file, InputsFile(inputs, stats.InputLength)) ? 1 : 0;
                    inputSets.Add(new { set, suffix = "@" + set, file, zero_fraction = ZeroFraction(inputs) });
                }
                var generatorErrors = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var r in group)
                {
                    written += WriteIfChanged(r.Path, onnx) ? 1 : 0;
                    // The real CNNs go through the generator's core first: a model today's generator refuses stays a
                    // case (reported with the diagnostic) instead of breaking the benchmark's build.
                    if (info.Graph != null && GeneratorError(onnx, r.Class, r.Kernel) is string error)
                    {
                        generatorErrors[r.Path] = error;
                        failures.Add(r.Path);
                        Console.WriteLine($"  {name}: the generator refuses the {r.Kernel} variant, left out of the build: {error}");
                    }
                }
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
                    description = info.Description,
                    csharp_baselines = info.Graph == null,
                    activation_zero_fraction = info.ActivationZeroFraction,
                    onnx = basePath,
                    layers = layersPath,
                    samples,
                    input_sets = inputSets,
                    variants = group.Select(r => new { kernel = r.Kernel, @class = r.Class, file = r.Path, assembly = r.Assembly, generator_error = generatorErrors.GetValueOrDefault(r.Path) }).ToArray(),
                });
                Console.WriteLine($"  {name,-17} {stats.Params,10} params, {1.0 - (double)stats.NonzeroWeights / stats.Weights,6:P1} sparse, variants: {string.Join(", ", group.Select(r => r.Kernel))}");
            }
            var manifest = new { generator = "tools/BenchModels", samples = BenchSamples, models };
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true });
            WriteIfChanged(manifestFile, json);
            // Read by the benchmark project's build, which leaves these files out of the compilation.
            WriteIfChanged(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestFile))!, "generator-failures.txt"), Encoding.UTF8.GetBytes(string.Join("\n", failures) + "\n"));
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

        private sealed record Info(string Family, string Pattern, double TargetSparsity, string DenseRef)
        {
            /// <summary>The real CNNs (issue 14): the graph they were written from.</summary>
            public CnnGraph? Graph { get; init; }
            public string? Description { get; init; }
            /// <summary>Fraction of exact zeros in the activations' outputs on the calibration samples (real CNNs).</summary>
            public double? ActivationZeroFraction { get; init; }
        }

        /// <summary>What the manifest says of a model's size, whatever its kind; MultiplyAdds = useful multiply-adds per sample.</summary>
        private sealed record Stats(string Kind, string Arch, int InputLength, int OutputLength, long Weights, long Params, long NonzeroWeights, long MultiplyAdds, double[] LayerSparsity)
        {
            public static Stats Of(Mlp mlp) => new("mlp",
                string.Join("-", new[] { mlp.InputLength }.Concat(mlp.Layers.Select(l => l.N))),
                mlp.InputLength, mlp.OutputLength, mlp.WeightCount, mlp.ParamCount, mlp.NonzeroWeights, mlp.NonzeroWeights,
                mlp.Layers.Select(l => Math.Round(1.0 - (double)l.Nonzeros / l.Weights.Length, 4)).ToArray());

            /// <summary>Arch like "3x32x32-c12-c12-c24-c24-10" (dw = depthwise), as for the digits CNN.</summary>
            public static Stats Of(CnnGraph g)
            {
                var layers = g.WeightLayers().ToList();
                return new("cnn",
                    g.Input.ToString() + "-" + string.Join("-", layers.Select(l => (l.Op == "Conv" ? "c" : l.Op == "DwConv" ? "dw" : "") + l.Outputs.ToString(CultureInfo.InvariantCulture))),
                    g.Input.Length, g.OutputShape.Length, layers.Sum(l => l.Weights),
                    layers.Sum(l => l.Weights) + g.Ops.Sum(op => op switch { ConvOp c => c.B?.Length ?? 0, GemmOp m => m.B.Length, BatchNormOp b => 4 * b.Gamma.Length, _ => 0 }),
                    layers.Sum(l => l.Nonzeros), layers.Sum(l => l.MultiplyAdds),
                    layers.Select(l => Math.Round(1.0 - (double)l.Nonzeros / l.Weights, 4)).ToArray());
            }

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
            var real = Regex.Match(name, "^([a-z0-9_]+)_(dense|f50|s80)$");
            if (real.Success && CnnZoo.Architectures.TryGetValue(real.Groups[1].Value, out var arch))
                return BuildRealCnn(arch, real.Groups[2].Value);
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

        /// <summary>The benchmark's main inputs: the first test images for digits, uniform [0, 1) otherwise (seeded).</summary>
        private static float[] Inputs(string name, int inputLength, int samples, string fixturesDir) =>
            name.StartsWith("digits", StringComparison.Ordinal) ? InputSets.DigitsTest(fixturesDir, inputLength, samples) : InputSets.Uniform(inputLength, samples);

        private static string PrimaryInputSet(string name) => name.StartsWith("digits", StringComparison.Ordinal) ? "digits" : "uniform";

        /// <summary>
        /// Input sets reported as separate cases (issue 15): uniform [0, 1) for the digits models (whose main inputs
        /// are the test images), MNIST-like images (about 80% exact zeros) for the 784-input MLPs and the MNIST CNN.
        /// </summary>
        private static IEnumerable<(string Set, float[] Inputs)> ExtraInputSets(string name, int inputLength, int samples, string fixturesDir)
        {
            if (name.StartsWith("digits", StringComparison.Ordinal)) yield return ("uniform", InputSets.Uniform(inputLength, samples));
            if (inputLength == 784) yield return ("image", InputSets.MnistLike(fixturesDir, samples));
        }

        private static double ZeroFraction(float[] x) => Math.Round((double)x.Count(v => v == 0f) / x.Length, 4);

        /// <summary>The models the calibrated dense graph of each real CNN family was built from, once per tool run.</summary>
        private static readonly Dictionary<string, (CnnGraph Graph, double Zeros)> s_calibrated = new(StringComparer.Ordinal);

        /// <summary>
        /// A real CNN (CnnZoo) in one of three variants: dense, f50 (50% of the filters of every conv but the output
        /// conv zeroed whole, structurally), s80 (80% of every weight tensor zeroed by magnitude, unstructured). The
        /// BatchNormalization statistics come from the dense model on the benchmark's uniform inputs (calibration
        /// samples: up to 8, fewer for large inputs) and are kept by the pruned variants, as after one-shot pruning.
        /// </summary>
        private static (byte[] Onnx, Mlp? Mlp, Info Info) BuildRealCnn(CnnArchitecture arch, string variant)
        {
            if (!s_calibrated.TryGetValue(arch.Family, out var dense))
            {
                var g = arch.Build();
                int calibration = Math.Clamp(200_000 / (arch.Input.H * arch.Input.W), 1, 8);
                var x = InputSets.Uniform(arch.Input.Length, calibration);
                var samples = Enumerable.Range(0, calibration).Select(s => x.AsSpan(s * arch.Input.Length, arch.Input.Length).ToArray()).ToList();
                dense = s_calibrated[arch.Family] = (g, g.CalibrateBatchNorm(samples));
            }
            var graph = dense.Graph.Clone();
            string pattern;
            double target;
            switch (variant)
            {
                case "f50": graph.PruneFilters(0.5, arch.KeepOutputFilters); pattern = "filters (50% of each conv's filters by L1 norm, whole filters zero)"; target = 0.5; break;
                case "s80": graph.PruneUnstructured(0.8); pattern = "unstructured (80% of each layer's weights by magnitude)"; target = 0.8; break;
                default: pattern = "dense"; target = 0; break;
            }
            string name = arch.Family + "_" + variant;
            var onnx = OnnxWriter.Write(graph.ToOnnx(name, arch.FoldBatchNorm));
            return (onnx, null, new Info(arch.Family, pattern, target, arch.Family + "_dense")
            {
                Graph = graph,
                Description = arch.Description,
                ActivationZeroFraction = Math.Round(dense.Zeros, 4),
            });
        }

        /// <summary>Runs the generator's core on a model as the build would; the error diagnostics, or null when it compiles.</summary>
        private static string? GeneratorError(byte[] onnx, string className, string kernel)
        {
            var options = new CompileOptions(className, "PcgBench.Models", className + ".onnx") { Kernel = CompileOptions.ParseKernel(kernel) ?? KernelChoice.Auto };
            var result = ModelCompiler.Compile(onnx, options);
            if (result.Succeeded) return null;
            return string.Join("; ", result.Diagnostics.Where(d => d.Severity == PcgSeverity.Error).Select(d => $"{d.Id}: {d.Message}"));
        }

        /// <summary>Inputs file, little-endian: "PCGI", int32 version 1, int32 samples, int32 input length, float32 inputs.</summary>
        private static byte[] InputsFile(float[] inputs, int inputLength)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Encoding.ASCII.GetBytes("PCGI"));
                w.Write(1);
                w.Write(inputs.Length / inputLength);
                w.Write(inputLength);
                foreach (float v in inputs) w.Write(v);
            }
            return ms.ToArray();
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
