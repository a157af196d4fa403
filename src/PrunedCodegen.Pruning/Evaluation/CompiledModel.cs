using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrunedCodegen.Diagnostics;

namespace PrunedCodegen.Evaluation
{
    /// <summary>The model cannot be compiled to C# (unsupported op, bad file...): the diagnostics say why.</summary>
    public sealed class ModelCompileFailedException : Exception
    {
        public ModelCompileFailedException(string message, IReadOnlyList<PcgDiagnostic> diagnostics) : base(message) => Diagnostics = diagnostics;

        public IReadOnlyList<PcgDiagnostic> Diagnostics { get; }
    }

    /// <summary>
    /// A model run the way users run it: the generator's C# (ModelCompiler), compiled in memory with Roslyn against
    /// the running runtime, loaded into a collectible context. Dispose unloads it. One float input and one float
    /// output (the classifier case).
    /// </summary>
    public sealed class CompiledModel : IDisposable
    {
        private const string ClassName = "EvaluatedModel";
        private const string Namespace = "PcgTool";
        private AssemblyLoadContext? _context;
        private readonly Action<float[], float[]> _predictBatch;
        private readonly Action<float[], int, float[], int> _predictOne;

        private CompiledModel(AssemblyLoadContext context, Assembly assembly, int inputLength, int outputLength)
        {
            _context = context;
            InputLength = inputLength;
            OutputLength = outputLength;
            var shim = assembly.GetType(Namespace + ".EvaluationShim", throwOnError: true)!;
            _predictBatch = shim.GetMethod("PredictBatch")!.CreateDelegate<Action<float[], float[]>>();
            _predictOne = shim.GetMethod("PredictOne")!.CreateDelegate<Action<float[], int, float[], int>>();
        }

        public int InputLength { get; }
        public int OutputLength { get; }

        /// <summary>Generates, compiles and loads <paramref name="onnx"/>.</summary>
        /// <exception cref="ModelCompileFailedException">The generator reported an error, or the model does not have one input and one output.</exception>
        public static CompiledModel Compile(byte[] onnx, string modelFileName)
        {
            var result = ModelCompiler.Compile(onnx, new CompileOptions(ClassName, Namespace, modelFileName));
            if (!result.Succeeded)
                throw new ModelCompileFailedException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == PcgSeverity.Error).Select(d => $"{d.Id}: {d.Message}")), result.Diagnostics);
            // Evaluation scores float outputs (logits or probabilities); a classifier head's int64 indices (ArgMax, ArgMin,
            // TopK: a Span<long> in the generated code) are not what the metrics read.
            var indices = PrunedCodegen.Onnx.OnnxReader.Read(onnx).Graph?.Outputs.FirstOrDefault(o => o.ElementType == PrunedCodegen.Onnx.OnnxDataType.Int64);
            if (indices != null)
                throw new ModelCompileFailedException(
                    $"{Text.Quote(modelFileName)}: evaluation needs float outputs (scores per class), but output '{Text.Quote(indices.Name)}' is int64 class indices (ArgMax, ArgMin or TopK); evaluate the model without that head",
                    Array.Empty<PcgDiagnostic>());
            return CompileSource(result.Source!, modelFileName);
        }

        private static CompiledModel CompileSource(string source, string modelFileName)
        {
            var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
            var trees = new[] { source, ModelCompiler.KernelsSource, Shim }.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Source{i}.cs", encoding: Encoding.UTF8));
            var compilation = CSharpCompilation.Create("PcgEvaluated_" + Guid.NewGuid().ToString("N"), trees, References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, allowUnsafe: true,
                    nullableContextOptions: NullableContextOptions.Enable));
            using var pe = new MemoryStream();
            var emit = compilation.Emit(pe);
            if (!emit.Success)
            {
                var errors = emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).Select(d => d.ToString());
                throw new InvalidOperationException($"internal error: the C# generated for {modelFileName} does not compile: {string.Join("; ", errors)}");
            }
            pe.Position = 0;
            var context = new AssemblyLoadContext("pcg-model", isCollectible: true);
            var assembly = context.LoadFromStream(pe);
            var type = assembly.GetType(Namespace + "." + ClassName, throwOnError: true)!;
            int inputs = (int)type.GetField("InputCount")!.GetRawConstantValue()!;
            int outputs = (int)type.GetField("OutputCount")!.GetRawConstantValue()!;
            if (inputs != 1 || outputs != 1)
            {
                context.Unload();
                throw new ModelCompileFailedException($"{modelFileName}: evaluation needs a model with one input and one output; this one has {inputs} and {outputs}", Array.Empty<PcgDiagnostic>());
            }
            int inputLength = ((int[])assembly.GetType(Namespace + ".EvaluationShim")!.GetMethod("InputLengths")!.Invoke(null, null)!)[0];
            int outputLength = ((int[])assembly.GetType(Namespace + ".EvaluationShim")!.GetMethod("OutputLengths")!.Invoke(null, null)!)[0];
            return new CompiledModel(context, assembly, inputLength, outputLength);
        }

        // Spans cannot cross reflection: array entry points compiled beside the model.
        private const string Shim = @"
namespace PcgTool
{
    public static class EvaluationShim
    {
        public static void PredictBatch(float[] input, float[] output) => EvaluatedModel.PredictBatch(input, output);
        public static void PredictOne(float[] input, int inputOffset, float[] output, int outputOffset) =>
            EvaluatedModel.Predict(new System.ReadOnlySpan<float>(input, inputOffset, EvaluatedModel.InputLengths[0]),
                new System.Span<float>(output, outputOffset, EvaluatedModel.OutputLengths[0]));
        public static int[] InputLengths() => EvaluatedModel.InputLengths.ToArray();
        public static int[] OutputLengths() => EvaluatedModel.OutputLengths.ToArray();
    }
}";

        private static readonly Lazy<MetadataReference[]> References = new Lazy<MetadataReference[]>(() =>
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => p.Length > 0 && Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());

        /// <summary>Runs every sample of <paramref name="data"/> (PredictBatch); returns [Rows][OutputLength] outputs.</summary>
        public float[] Run(Dataset data)
        {
            CheckWidth(data);
            var output = new float[(long)data.Rows * OutputLength];
            _predictBatch(data.Features, output);
            return output;
        }

        /// <summary>Runs the samples one <c>Predict</c> call each (the single-sample path).</summary>
        public float[] RunOneByOne(Dataset data)
        {
            CheckWidth(data);
            var output = new float[(long)data.Rows * OutputLength];
            for (int i = 0; i < data.Rows; i++) _predictOne(data.Features, i * InputLength, output, i * OutputLength);
            return output;
        }

        /// <summary>
        /// Times <paramref name="candidate"/> against <paramref name="baseline"/> in interleaved rounds (one round of each
        /// in turn, so that both see the same machine state): median ns per single-sample <c>Predict</c> of each, and the
        /// median of the per-round ratios baseline / candidate, which is steadier than the ratio of two separate medians.
        /// </summary>
        public static (double BaselineNs, double CandidateNs, double SpeedUp) MeasureAgainst(CompiledModel baseline, CompiledModel candidate, Dataset data, int samples = 512, int rounds = 31) =>
            MeasureAgainstAtBatch(baseline, candidate, data, batch: 1, samples, rounds);

        /// <summary>
        /// As above, with <paramref name="batch"/> samples per call: 1 times single-sample <c>Predict</c>, more times
        /// <c>PredictBatch</c> over that many samples (the first of the data, repeated if it has fewer). Ns are per sample.
        /// </summary>
        public static (double BaselineNs, double CandidateNs, double SpeedUp) MeasureAgainstAtBatch(CompiledModel baseline, CompiledModel candidate, Dataset data, int batch, int samples = 512, int rounds = 31)
        {
            if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), "a batch has at least one sample");
            baseline.CheckWidth(data);
            candidate.CheckWidth(data);
            int n = Math.Max(1, Math.Min(samples, data.Rows));
            float[]? batchInput = batch == 1 ? null : BatchOf(data, batch);
            double Time(CompiledModel m) => batchInput == null ? m.TimeRound(data, n) : m.TimeBatches(batchInput, batch, Math.Max(1, n / batch));
            Time(baseline); // warm-up: JIT, static data
            Time(candidate);
            var a = new double[rounds];
            var b = new double[rounds];
            var ratios = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                a[r] = Time(baseline);
                b[r] = Time(candidate);
                ratios[r] = a[r] / b[r];
            }
            return (Median(a), Median(b), Median(ratios));
        }

        private static float[] BatchOf(Dataset data, int batch)
        {
            var input = new float[(long)batch * data.Width];
            for (int i = 0; i < batch; i++)
                Array.Copy(data.Features, (long)(i % data.Rows) * data.Width, input, (long)i * data.Width, data.Width);
            return input;
        }

        private double TimeBatches(float[] input, int batch, int calls)
        {
            var output = new float[(long)batch * OutputLength];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) _predictBatch(input, output);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / ((long)calls * batch);
        }

        private double TimeRound(Dataset data, int n)
        {
            var output = new float[OutputLength];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++) _predictOne(data.Features, i * InputLength, output, 0);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / n;
        }

        private static double Median(double[] values)
        {
            var sorted = (double[])values.Clone();
            Array.Sort(sorted);
            return sorted[sorted.Length / 2];
        }

        private void CheckWidth(Dataset data)
        {
            if (data.Width != InputLength)
                throw new DataFormatException($"the data has {data.Width} values per sample; the model takes {InputLength}");
        }

        public void Dispose()
        {
            _context?.Unload();
            _context = null;
        }
    }
}
