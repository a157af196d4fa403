using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Infrastructure;
using PrunedCodegen.Cli.Tests.Cli;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using Xunit;

namespace PrunedCodegen.Cli.Tests.Pruning
{
    /// <summary>The digits CNN exported with a fixed batch of 2, and data whose width does not match the model's.</summary>
    public class FixedBatchTests
    {
        private static string CnnWithBatch2(string dir)
        {
            var model = OnnxReader.Read(File.ReadAllBytes(Fixtures.CnnDenseModel));
            model.Graph!.Inputs[0].Shape![0] = new OnnxDim { Value = 2 };
            model.Graph.Outputs[0].Shape![0] = new OnnxDim { Value = 2 };
            string path = Path.Combine(dir, "cnn_batch2.onnx");
            File.WriteAllBytes(path, OnnxWriter.Write(model));
            return path;
        }

        [Fact]
        public void Structured_pruning_removes_filters_of_a_cnn_with_a_fixed_batch_of_two()
        {
            // 32 filters of the second conv at 50% per layer: 16 go, and the dense head loses their 16 x 4 columns.
            // (The first conv's zeroed filters stay: the second conv pads, and they pass on nonzero constants.)
            string dir = Fixtures.TempDir(), input = CnnWithBatch2(dir), output = Path.Combine(dir, "pruned.onnx");
            var r = PcgRunner.Run("prune", input, "-o", output, "--method", "structured", "--scope", "layer", "--sparsity", "0.5");
            Assert.True(r.ExitCode == 0, r.Error);
            var layers = LayerFinder.Find(OnnxReader.Read(File.ReadAllBytes(output)));
            Assert.Equal((16, 144), (layers[1].Outputs, layers[1].Inputs));
            Assert.Equal((10, 64), (layers[2].Outputs, layers[2].Inputs));
            var model = OnnxReader.Read(File.ReadAllBytes(output));
            Assert.Equal(2, model.Graph!.Inputs[0].Shape![0].Value);
        }

        [Fact]
        public void The_prune_report_marks_the_layers_that_were_pruned_even_after_they_shrank()
        {
            // Was: participation was read after removal, when the shrunk conv's chain no longer matched: "pruned: no".
            var result = Pruner.PruneModel(OnnxReader.Read(File.ReadAllBytes(Fixtures.CnnDenseModel)),
                new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 });
            Assert.Equal(new[] { true, true, false }, result.Layers.Select(l => l.Pruned));
            Assert.Equal(16, result.Layers[1].OutputsAfter);
            Assert.Equal("its outputs are the model's", result.Layers[2].Note);
        }

        [Fact]
        public void Evaluate_names_the_fixed_batch_when_the_widths_differ()
        {
            string dir = Fixtures.TempDir(), input = CnnWithBatch2(dir);
            var r = PcgRunner.Run("evaluate", input, "--data", Fixtures.TestCsv);
            Assert.Equal(ExitCodes.BadData, r.ExitCode);
            Assert.Contains("the data has 64 values per sample, but " + input + " takes 128: its input '", r.Error);
            Assert.Contains("' has a fixed batch of 2 ([2, 1, 8, 8]), and pcg runs one sample per call", r.Error);
        }

        [Fact]
        public void Evaluate_suggests_label_column_when_the_data_has_one_column_too_many()
        {
            // digits_test.csv with its 'label' column renamed: without --label-column it is a 65th feature.
            var lines = File.ReadAllLines(Fixtures.TestCsv);
            var header = lines[0].Split(',');
            int labelIndex = System.Array.IndexOf(header, "label");
            Assert.True(labelIndex >= 0);
            header[labelIndex] = "target";
            string csv = Path.Combine(Fixtures.TempDir(), "renamed.csv");
            File.WriteAllLines(csv, new[] { string.Join(",", header) }.Concat(lines.Skip(1)));
            var r = PcgRunner.Run("evaluate", Fixtures.DenseModel, "--data", csv);
            Assert.Equal(ExitCodes.BadData, r.ExitCode);
            Assert.Contains("the data has 65 values per sample", r.Error);
            Assert.Contains("name it with --label-column", r.Error);
            var named = PcgRunner.Run("evaluate", Fixtures.DenseModel, "--data", csv, "--label-column", "target", "--json");
            Assert.True(named.ExitCode == 0, named.Error);
        }
    }
}
