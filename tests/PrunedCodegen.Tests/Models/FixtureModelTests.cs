using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// The real models exported from PyTorch (tests/fixtures, made by tools/fixtures/make_digits.py), compiled
    /// and run, against two independent oracles: ONNX Runtime and PyTorch's own recorded logits.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class FixtureModelTests
    {
        // Float32 summation order differs between kernels (SIMD lanes, FMA); logits are O(10).
        private const float Atol = 1e-4f, Rtol = 1e-4f;

        private readonly ITestOutputHelper _output;

        public FixtureModelTests(ITestOutputHelper output) => _output = output;

        public static TheoryData<string, KernelChoice> DigitsModels => new TheoryData<string, KernelChoice>
        {
            { "digits_dense.onnx", KernelChoice.Auto },
            { "digits_pruned.onnx", KernelChoice.Auto },
            { "digits_pruned.onnx", KernelChoice.DenseSimd },
            { "digits_pruned.onnx", KernelChoice.SparseRows },
            { "digits_dense.onnx", KernelChoice.SparseRows },
            { "digits_pruned.onnx", KernelChoice.BlockSparse },
            { "digits_pruned.onnx", KernelChoice.Unrolled },
            { "digits_dense.onnx", KernelChoice.Unrolled },
        };

        private static (float[] Pixels, int[] Labels) TestSplit()
        {
            var rows = File.ReadAllLines(CompiledModel.Fixture("digits", "digits_test.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
            return (rows.SelectMany(r => r.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray(),
                    rows.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToArray());
        }

        private static float[] TorchLogits(string model) =>
            File.ReadAllLines(CompiledModel.Fixture("digits", $"digits_test_logits_{(model.Contains("pruned") ? "pruned" : "dense")}.csv"))
                .Skip(1).Where(l => l.Length > 0).SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

        [Theory]
        [MemberData(nameof(DigitsModels))]
        public void Digits_match_PyTorch_logits_and_ONNX_Runtime(string file, KernelChoice kernel)
        {
            byte[] onnx = File.ReadAllBytes(CompiledModel.Fixture("digits", file));
            var model = CompiledModel.Load(onnx, kernel);
            var (pixels, labels) = TestSplit();
            int n = labels.Length;

            float[] ours = model.PredictBatch(n, pixels)[0];
            Tolerance.AssertClose(TorchLogits(file), ours, Atol, Rtol, $"{file} ({kernel}) vs PyTorch");

            float[] ort = OrtOracle.Run(onnx, OracleInput.Float(pixels, n, 64))[0].Data;
            Tolerance.AssertClose(ort, ours, Atol, Rtol, $"{file} ({kernel}) vs ONNX Runtime");

            // Single-sample Predict (per-sample kernels) agrees with PredictBatch (batch kernels) up to summation order.
            for (int i = 0; i < n; i += 37)
                Tolerance.AssertClose(ours.AsSpan(i * 10, 10).ToArray(), model.Predict(pixels.AsSpan(i * 64, 64).ToArray())[0], 1e-5f, 1e-5f, $"sample {i}");
        }

        [Fact]
        public void Digits_accuracy_equals_the_figure_PyTorch_recorded()
        {
            using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(CompiledModel.Fixture("digits", "digits_metrics.json")));
            var (pixels, labels) = TestSplit();
            foreach (var (file, key) in new[] { ("digits_dense.onnx", "dense_test_correct"), ("digits_pruned.onnx", "pruned_test_correct") })
            {
                var logits = CompiledModel.Load(File.ReadAllBytes(CompiledModel.Fixture("digits", file))).PredictBatch(labels.Length, pixels)[0];
                int correct = Enumerable.Range(0, labels.Length).Count(i => ArgMax(logits.AsSpan(i * 10, 10)) == labels[i]);
                _output.WriteLine($"{file}: {correct}/{labels.Length}");
                Assert.Equal(metrics.RootElement.GetProperty(key).GetInt32(), correct);
            }
        }

        [Theory]
        [InlineData("matmul_add", "mlp_matmul_add.onnx")]
        [InlineData("activations", "mlp_activations.onnx")]
        public void Small_fixtures_match_ONNX_Runtime_and_recorded_outputs(string folder, string file)
        {
            byte[] onnx = File.ReadAllBytes(CompiledModel.Fixture(folder, file));
            foreach (var kernel in new[] { KernelChoice.Auto, KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled })
            {
                var model = CompiledModel.Load(onnx, kernel);
                int inLength = model.InputLengths[0], outLength = model.OutputLengths[0];

                // The script's recorded PyTorch inputs and outputs: x columns then y columns.
                var rows = File.ReadAllLines(CompiledModel.Fixture(folder, file.Replace(".onnx", "_io.csv"))).Skip(1).Where(l => l.Length > 0)
                    .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
                foreach (var row in rows)
                {
                    Assert.Equal(inLength + outLength, row.Length);
                    Tolerance.AssertClose(row.Skip(inLength).ToArray(), model.Predict(row.Take(inLength).ToArray())[0], 1e-5f, 1e-4f, $"{file} ({kernel}) vs PyTorch");
                }

                // Random inputs against ONNX Runtime, one sample at a time (the 1-D model has no batch dim).
                for (int seed = 0; seed < 5; seed++)
                {
                    var x = CompiledModel.RandomInput(inLength, seed, scale: 3f);
                    var dims = file.Contains("matmul") ? new long[] { inLength } : new long[] { 1, inLength };
                    Tolerance.AssertClose(OrtOracle.Run(onnx, OracleInput.Float(x, dims))[0].Data, model.Predict(x)[0], 1e-5f, 1e-4f, $"{file} ({kernel}) seed {seed}");
                }
            }
        }

        [Fact]
        public void Generated_methods_stay_far_below_the_JIT_optimisation_limits()
        {
            // The JIT compiles methods over 60,000 bytes of IL without optimisation; keep every method tiny.
            foreach (var kernel in new[] { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled })
            {
                var model = CompiledModel.Load(File.ReadAllBytes(CompiledModel.Fixture("digits", "digits_dense.onnx")), kernel);
                var types = model.ModelType.Assembly.GetTypes();
                foreach (var method in types.SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)))
                {
                    // Unrolled parts are long by design; they must stay at half the JIT's 60,000-byte limit or less.
                    int il = method.GetMethodBody()?.GetILAsByteArray()?.Length ?? 0, limit = kernel == KernelChoice.Unrolled ? 30_000 : 6_000;
                    Assert.True(il < limit, $"{method.DeclaringType!.Name}.{method.Name} has {il} bytes of IL ({kernel})");
                }
            }
        }

        [Fact]
        public void Wrong_span_lengths_throw_ArgumentException_naming_the_parameter()
        {
            var source = ModelCompiler.Compile(File.ReadAllBytes(CompiledModel.Fixture("digits", "digits_pruned.onnx")), new CompileOptions("Digits", "LengthChecks", "digits_pruned.onnx")).Source!;
            const string probe = @"
namespace LengthChecks
{
    public static class Probe
    {
        static string Try(System.Action a) { try { a(); return ""ok""; } catch (System.ArgumentException e) { return e.ParamName + "": "" + e.Message; } }
        public static string[] Run() => new[]
        {
            Try(() => Digits.Predict(new float[63], new float[10])),
            Try(() => Digits.Predict(new float[64], new float[11])),
            Try(() => Digits.PredictBatch(new float[64 * 3 + 1], new float[30])),
            Try(() => Digits.PredictBatch(new float[64 * 3], new float[20])),
            Try(() => Digits.PredictBatch(new float[64 * 3], new float[30])),
            Try(() => Digits.PredictBatch(new float[0], new float[0])),
        };
    }
}";
            var compiled = InMemoryCompiler.Compile(source, ModelCompiler.KernelsSource, probe);
            var results = (string[])compiled.GetRequiredType("LengthChecks.Probe").GetMethod("Run")!.Invoke(null, null)!;
            Assert.StartsWith("pixels: Input pixels needs 64 floats but got 63.", results[0]);
            Assert.StartsWith("logits: Output logits needs 10 floats but got 11.", results[1]);
            Assert.StartsWith("pixels: Input pixels needs a multiple of 64 floats", results[2]);
            Assert.StartsWith("logits: Output logits needs a multiple of 10 floats matching 3 sample(s) but got 20.", results[3]);
            Assert.Equal("ok", results[4]);
            Assert.Equal("ok", results[5]);   // zero samples: nothing to do
        }

        [Fact]
        public void Predict_allocates_nothing()
        {
            foreach (var file in new[] { "digits_dense.onnx", "digits_pruned.onnx" })
                foreach (var kernel in new[] { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled })
                {
                    var model = CompiledModel.Load(File.ReadAllBytes(CompiledModel.Fixture("digits", file)), kernel);
                    Assert.Equal(0, model.AllocatedBytes(new[] { CompiledModel.RandomInput(64, 1) }, iterations: 1000));
                }
        }

        [Fact]
        public void Predict_from_eight_threads_matches_single_threaded()
        {
            var model = CompiledModel.Load(File.ReadAllBytes(CompiledModel.Fixture("digits", "digits_pruned.onnx")));
            var (pixels, labels) = TestSplit();
            int n = labels.Length;
            var expected = new float[n * 10];
            for (int i = 0; i < n; i++) model.Predict(pixels.AsSpan(i * 64, 64).ToArray())[0].CopyTo(expected, i * 10);
            var results = new float[8][][];
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
            {
                results[t] = new float[25][];
                for (int r = 0; r < 25; r++)
                {
                    // Different threads walk the samples in different orders (rotated, half of them backwards).
                    var all = new float[n * 10];
                    for (int k = 0; k < n; k++)
                    {
                        int i = (t % 2 == 0 ? k + 57 * t + r : n - 1 - k + r) % n;
                        model.Predict(pixels.AsSpan(i * 64, 64).ToArray())[0].CopyTo(all, i * 10);
                    }
                    results[t][r] = all;
                }
            });
            foreach (var perThread in results)
                foreach (var run in perThread)
                    Assert.Equal(expected, run);
        }

        private static int ArgMax(ReadOnlySpan<float> row)
        {
            int best = 0;
            for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
            return best;
        }
    }
}
