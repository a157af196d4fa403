using System;
using System.Globalization;
using System.IO;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// The digits CNN (tests/fixtures/digits_cnn, made by tools/fixtures/make_digits_cnn.py): Conv-BatchNorm-ReLU-MaxPool
    /// twice and a Linear head, dense and with half of the filters pruned. Compared with ONNX Runtime and with the
    /// logits and accuracies PyTorch recorded.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DigitsCnnFixtureTests
    {
        private const float Atol = 1e-4f, Rtol = 1e-4f;

        private readonly ITestOutputHelper _output;

        public DigitsCnnFixtureTests(ITestOutputHelper output) => _output = output;

        public static TheoryData<string> Models => new TheoryData<string> { "dense", "pruned" };

        private static (float[] Pixels, int[] Labels) TestSplit()
        {
            var rows = File.ReadAllLines(CompiledModel.Fixture("digits", "digits_test.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
            return (rows.SelectMany(r => r.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray(),
                    rows.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToArray());
        }

        private static float[] TorchLogits(string variant) =>
            File.ReadAllLines(CompiledModel.Fixture("digits_cnn", $"digits_cnn_test_logits_{variant}.csv"))
                .Skip(1).Where(l => l.Length > 0).SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();

        private static byte[] Onnx(string variant) => File.ReadAllBytes(CompiledModel.Fixture("digits_cnn", $"digits_cnn_{variant}.onnx"));

        [Theory]
        [MemberData(nameof(Models))]
        public void Cnn_matches_PyTorch_logits_and_ONNX_Runtime(string variant)
        {
            byte[] onnx = Onnx(variant);
            var model = CompiledModel.Load(onnx);
            var (pixels, labels) = TestSplit();
            int n = labels.Length;

            float[] ours = model.PredictBatch(n, pixels)[0];
            Tolerance.AssertClose(TorchLogits(variant), ours, Atol, Rtol, $"{variant} CNN vs PyTorch");
            float[] ort = OrtOracle.Run(onnx, OracleInput.Float(pixels, n, 1, 8, 8))[0].Data;
            Tolerance.AssertClose(ort, ours, Atol, Rtol, $"{variant} CNN vs ONNX Runtime");
            for (int i = 0; i < n; i += 41)
                Tolerance.AssertClose(ours.AsSpan(i * 10, 10).ToArray(), model.Predict(pixels.AsSpan(i * 64, 64).ToArray())[0], 0f, 0f, $"sample {i}: Predict vs PredictBatch");
        }

        [Fact]
        public void Cnn_accuracy_equals_PyTorch_and_pruned_filters_are_removed()
        {
            using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(CompiledModel.Fixture("digits_cnn", "digits_cnn_metrics.json")));
            var (pixels, labels) = TestSplit();
            foreach (var (variant, key) in new[] { ("dense", "dense_test_accuracy"), ("pruned", "pruned_finetuned_test_accuracy") })
            {
                var logits = CompiledModel.Load(Onnx(variant)).PredictBatch(labels.Length, pixels)[0];
                int correct = Enumerable.Range(0, labels.Length).Count(i => ArgMax(logits.AsSpan(i * 10, 10)) == labels[i]);
                double accuracy = (double)correct / labels.Length;
                _output.WriteLine($"{variant}: {correct}/{labels.Length} = {accuracy:0.0000}");
                Assert.Equal(metrics.RootElement.GetProperty(key).GetDouble(), accuracy, 12);
            }

            // The pruned model's zero filters (listed by the fixture script) are gone from the generated layers.
            int prunedFilters = metrics.RootElement.GetProperty("pruned_filters_per_conv").EnumerateArray().Sum(a => a.GetArrayLength());
            var result = ModelCompiler.Compile(Onnx("pruned"), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.True(result.Succeeded);
            Assert.Contains("Conv+Relu (-0 in, -8 out)", result.Source);
            Assert.Contains("Conv+Relu (-8 in, -16 out)", result.Source);
            Assert.Contains("Dense (-64 in, -0 out)", result.Source);
            Assert.Equal(24, prunedFilters);
            Assert.DoesNotContain("BatchNorm", result.Source!.Split('\n').Where(l => l.StartsWith("// ", StringComparison.Ordinal) && !l.Contains("folded")).Take(20));
        }

        private static int ArgMax(ReadOnlySpan<float> row)
        {
            int best = 0;
            for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
            return best;
        }
    }
}
