using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace PrunedCodegen.Benchmarks
{
    /// <summary>A generated model's entry point, as the public API spells it: inputs in, outputs out.</summary>
    public delegate void PredictFn(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>One dense layer in PyTorch layout: W [N, K] row-major, y = W x + b, then ReLU if set.</summary>
    public sealed record DenseLayer(int N, int K, bool Relu, float[] W, float[] B);

    /// <summary>A generated class for one model and one Kernel setting.</summary>
    public sealed record GeneratedVariant(string Kernel, string ClassName, PredictFn Predict, PredictFn PredictBatch)
    {
        /// <summary>Size of the largest generated method: IL bytes and locals (the JIT optimises only below the limits in NOTES.md).</summary>
        public (string Method, int IlBytes, int Locals) LargestMethod { get; init; }
    }

    /// <summary>A variant the generator refused at build time (tools/BenchModels checked it): kept as a case that reports the diagnostic.</summary>
    public sealed record RefusedVariant(string Kernel, string ClassName, string Diagnostic);

    /// <summary>
    /// One benchmark model: its ONNX file, its layers or CNN stages (for the C# baselines), inputs and generated classes.
    /// </summary>
    public sealed class BenchModel
    {
        /// <summary>The case name: the model's name, plus "@set" for an input set other than the model's main one.</summary>
        public required string Name { get; init; }
        /// <summary>The model file's name (the same for every input set).</summary>
        public required string ModelName { get; init; }
        /// <summary>"uniform" (uniform [0, 1)), "digits" (the digits test images), "image" (MNIST-like, ~80% zeros).</summary>
        public required string InputSet { get; init; }
        public required double InputZeroFraction { get; init; }
        public string? Description { get; init; }
        /// <summary>Fraction of exact zeros after the activations on the calibration inputs (real CNNs), from the manifest.</summary>
        public double? ActivationZeroFraction { get; init; }
        /// <summary>"mlp" (baselines from <see cref="Layers"/>) or "cnn" (baselines from <see cref="Cnn"/>).</summary>
        public required string Kind { get; init; }
        public required string Family { get; init; }
        public required string Arch { get; init; }
        public required string Pattern { get; init; }
        public required double Sparsity { get; init; }
        public required double[] LayerSparsity { get; init; }
        public required long Weights { get; init; }
        public required long Params { get; init; }
        public required long NonzeroWeights { get; init; }
        /// <summary>Useful multiply-adds per sample: per layer, nonzero weights x output positions (1 for a dense layer).</summary>
        public required long MultiplyAdds { get; init; }
        public required string DenseRef { get; init; }
        public required string OnnxPath { get; init; }
        /// <summary>The MLP's layers; empty for a CNN.</summary>
        public required IReadOnlyList<DenseLayer> Layers { get; init; }
        /// <summary>The CNN read from <see cref="OnnxPath"/>; null for an MLP.</summary>
        public CnnNetwork? Cnn { get; init; }
        public required int InputLength { get; init; }
        public required int OutputLength { get; init; }
        /// <summary>Samples back to back (64, or 16 for the largest CNNs; bigger batches repeat them); sample 0 is the batch-1 input.</summary>
        public required float[] Inputs { get; init; }
        public int Samples => Inputs.Length / InputLength;
        public required IReadOnlyList<GeneratedVariant> Variants { get; init; }
        public IReadOnlyList<RefusedVariant> Refused { get; init; } = Array.Empty<RefusedVariant>();
        public required IReadOnlyList<string> MissingVariants { get; init; }
        /// <summary>The C# baselines (tensorprimitives, naive) exist for MLPs and for CNNs that CnnNetwork reads.</summary>
        public bool HasCSharpBaselines => Kind == "mlp" || Cnn != null;

        public int MaxLayerWidth => Layers.Max(l => Math.Max(l.N, l.K));
    }

    /// <summary>Reads the manifest that tools/BenchModels wrote at build time and binds the generated classes.</summary>
    public static class Catalog
    {
        private static IReadOnlyList<BenchModel>? s_models;
        private static string? s_manifestPath;

        public static string ManifestPath
        {
            get => s_manifestPath ??= typeof(Catalog).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "PcgBenchManifest").Value!;
            set { s_manifestPath = value; s_models = null; }
        }

        public static string ModelSet => typeof(Catalog).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PcgBenchModelSet")?.Value ?? "?";

        public static IReadOnlyList<BenchModel> Models => s_models ??= Load(ManifestPath);

        public static BenchModel Get(string name) => Models.First(m => m.Name == name);

        /// <summary>JIT limits (NOTES.md): past 60,000 bytes of IL or 2,000 locals a method is compiled without optimisation.</summary>
        public const int JitIlLimit = 60_000, JitLocalsLimit = 2_000;

        private static IReadOnlyList<BenchModel> Load(string manifestPath)
        {
            if (!File.Exists(manifestPath))
                throw new FileNotFoundException($"benchmark manifest not found: {manifestPath} (build the project: it writes the models into obj/models/)");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
            var models = new List<BenchModel>();
            var asm = typeof(Catalog).Assembly;
            foreach (var m in doc.RootElement.GetProperty("models").EnumerateArray())
            {
                var (layers, inLen, outLen, inputs) = ReadLayers(m.GetProperty("layers").GetString()!);
                string kind = m.TryGetProperty("kind", out var k) ? k.GetString()! : "mlp";
                string onnx = m.GetProperty("onnx").GetString()!;
                bool baselines = !m.TryGetProperty("csharp_baselines", out var cb) || cb.GetBoolean();
                var cnn = kind == "cnn" && baselines ? CnnNetwork.Read(onnx) : null;
                if (cnn != null && (cnn.InputLength != inLen || cnn.OutputLength != outLen))
                    throw new InvalidDataException($"{onnx}: the CNN's {cnn.InputLength} inputs / {cnn.OutputLength} outputs disagree with the manifest's {inLen} / {outLen}");
                var variants = new List<GeneratedVariant>();
                var refused = new List<RefusedVariant>();
                var missing = new List<string>();
                foreach (var v in m.GetProperty("variants").EnumerateArray())
                {
                    string kernel = v.GetProperty("kernel").GetString()!;
                    string cls = v.GetProperty("class").GetString()!;
                    if (v.TryGetProperty("generator_error", out var ge) && ge.ValueKind == JsonValueKind.String)
                    {
                        refused.Add(new RefusedVariant(kernel, cls, ge.GetString()!));
                        continue;
                    }
                    var type = asm.GetType("PcgBench.Models." + cls);
                    if (type == null && v.TryGetProperty("assembly", out var a) && a.ValueKind == JsonValueKind.String && File.Exists(a.GetString()))
                        type = Assembly.LoadFrom(a.GetString()!).GetType("PcgBench.Models." + cls);
                    var predict = type?.GetMethod("Predict", BindingFlags.Public | BindingFlags.Static, new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>) });
                    var batch = type?.GetMethod("PredictBatch", BindingFlags.Public | BindingFlags.Static, new[] { typeof(ReadOnlySpan<float>), typeof(Span<float>) });
                    if (predict == null || batch == null) { missing.Add($"{kernel} ({cls})"); continue; }
                    variants.Add(new GeneratedVariant(kernel, cls, predict.CreateDelegate<PredictFn>(), batch.CreateDelegate<PredictFn>()) { LargestMethod = LargestMethod(type!) });
                }
                string name = m.GetProperty("name").GetString()!;
                string denseRef = m.GetProperty("dense_ref").GetString()!;
                // One case per input set; the main set (first) keeps the model's name.
                var sets = m.TryGetProperty("input_sets", out var isets)
                    ? isets.EnumerateArray().Select(e => (Set: e.GetProperty("set").GetString()!, Suffix: e.GetProperty("suffix").GetString()!, File: e.GetProperty("file").GetString()!, Zeros: e.GetProperty("zero_fraction").GetDouble())).ToList()
                    : new() { ("uniform", "", "", double.NaN) };
                foreach (var set in sets)
                models.Add(new BenchModel
                {
                    Name = name + set.Suffix,
                    ModelName = name,
                    InputSet = set.Set,
                    InputZeroFraction = set.Zeros,
                    Description = m.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                    ActivationZeroFraction = m.TryGetProperty("activation_zero_fraction", out var az) && az.ValueKind == JsonValueKind.Number ? az.GetDouble() : null,
                    Kind = kind,
                    Family = m.GetProperty("family").GetString()!,
                    Arch = m.GetProperty("arch").GetString()!,
                    Pattern = m.GetProperty("pattern").GetString()!,
                    Sparsity = m.GetProperty("sparsity").GetDouble(),
                    LayerSparsity = m.GetProperty("layer_sparsity").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                    Weights = m.GetProperty("weights").GetInt64(),
                    Params = m.GetProperty("params").GetInt64(),
                    NonzeroWeights = m.GetProperty("nonzero_weights").GetInt64(),
                    MultiplyAdds = m.TryGetProperty("multiply_adds", out var macs) ? macs.GetInt64() : m.GetProperty("nonzero_weights").GetInt64(),
                    DenseRef = denseRef + set.Suffix,
                    OnnxPath = onnx,
                    Layers = layers,
                    Cnn = cnn,
                    InputLength = inLen,
                    OutputLength = outLen,
                    Inputs = set.Suffix.Length == 0 ? inputs : ReadInputs(set.File, inLen),
                    Variants = variants.OrderBy(v => v.Kernel == "auto" ? 0 : 1).ThenBy(v => v.Kernel, StringComparer.Ordinal).ToList(),
                    Refused = refused,
                    MissingVariants = missing,
                });
            }
            return models;
        }

        /// <summary>The layers file format is documented in tools/BenchModels/Program.cs.</summary>
        private static (List<DenseLayer> Layers, int InputLength, int OutputLength, float[] Inputs) ReadLayers(string path)
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(4)) != "PCGL" || r.ReadInt32() != 1) throw new InvalidDataException($"{path}: not a layers file");
            int count = r.ReadInt32(), inLen = r.ReadInt32(), outLen = r.ReadInt32();
            var layers = new List<DenseLayer>();
            for (int i = 0; i < count; i++)
            {
                int n = r.ReadInt32(), k = r.ReadInt32();
                bool relu = r.ReadInt32() != 0;
                layers.Add(new DenseLayer(n, k, relu, ReadFloats(r, n * k), ReadFloats(r, n)));
            }
            int samples = r.ReadInt32();
            return (layers, inLen, outLen, ReadFloats(r, samples * inLen));
        }

        /// <summary>An extra input set (tools/BenchModels InputsFile): "PCGI", version 1, samples, input length, floats.</summary>
        private static float[] ReadInputs(string path, int inputLength)
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(4)) != "PCGI" || r.ReadInt32() != 1) throw new InvalidDataException($"{path}: not an inputs file");
            int samples = r.ReadInt32(), length = r.ReadInt32();
            if (length != inputLength) throw new InvalidDataException($"{path}: {length} inputs per sample, the model has {inputLength}");
            return ReadFloats(r, samples * length);
        }

        /// <summary>The generated class's largest method body (its nested types included): IL bytes and local variables.</summary>
        private static (string, int, int) LargestMethod(Type type)
        {
            var best = ("", 0, 0);
            foreach (var t in new[] { type }.Concat(type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic)))
                foreach (var mi in t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                {
                    var body = mi.GetMethodBody();
                    int il = body?.GetILAsByteArray()?.Length ?? 0;
                    if (il > best.Item2) best = (t.Name + "." + mi.Name, il, body!.LocalVariables.Count);
                }
            return best;
        }

        private static float[] ReadFloats(BinaryReader r, int count)
        {
            var bytes = r.ReadBytes(count * 4);
            if (bytes.Length != count * 4) throw new EndOfStreamException();
            var f = new float[count];
            Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
            return f;
        }
    }
}
