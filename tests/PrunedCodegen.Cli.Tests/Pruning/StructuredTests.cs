using System;
using System.IO;
using System.Linq;
using PrunedCodegen.Cli.Tests.Infrastructure;
using PrunedCodegen.Model;
using PrunedCodegen.Onnx;
using PrunedCodegen.Pruning;
using PrunedCodegen.Tests.Infrastructure;

namespace PrunedCodegen.Cli.Tests.Pruning
{
    /// <summary>
    /// Structured pruning removes neurons from the graph. The reference for the smaller model is ONNX Runtime on the
    /// same-shaped model with those neurons' weights zeroed (PhysicalRemoval = false): removal must not change the outputs.
    /// </summary>
    public class StructuredTests
    {
        private const double Tolerance = 2e-5;

        /// <summary>
        /// Gemm(no bias) → BatchNormalization → Sigmoid → MatMul(no Add) → Relu → Gemm(transB=0, beta=0.5): removed
        /// neurons pass on nonzero constants (sigmoid of the BN output), and the next layers have no bias to fold into.
        /// </summary>
        private static OnnxModel BatchNormModel()
        {
            var r = new Random(7);
            float[] Values(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
            return new ModelBuilder()
                .Input("x", null, 10)
                .Output("y", null, 4)
                .Initializer("W1", new long[] { 12, 10 }, Values(120, -1, 1))
                .Initializer("scale", new long[] { 12 }, Values(12, 0.5f, 1.5f))
                .Initializer("shift", new long[] { 12 }, Values(12, -0.5f, 0.5f))
                .Initializer("mean", new long[] { 12 }, Values(12, -0.2f, 0.2f))
                .Initializer("var", new long[] { 12 }, Values(12, 0.5f, 2f))
                .Initializer("W2", new long[] { 12, 9 }, Values(108, -1, 1))
                .Initializer("W3", new long[] { 9, 4 }, Values(36, -1, 1))
                .Initializer("b3", new long[] { 4 }, Values(4, -1, 1))
                .Node("Gemm", new[] { "x", "W1" }, new[] { "h1" }, "fc1", ModelBuilder.Int("transB", 1))
                .Node("BatchNormalization", new[] { "h1", "scale", "shift", "mean", "var" }, new[] { "n1" }, "bn1")
                .Node("Sigmoid", new[] { "n1" }, new[] { "a1" }, "sig1")
                .Node("MatMul", new[] { "a1", "W2" }, new[] { "h2" }, "fc2")
                .Node("Relu", new[] { "h2" }, new[] { "a2" }, "relu2")
                .Node("Gemm", new[] { "a2", "W3", "b3" }, new[] { "y" }, "fc3", ModelBuilder.Float("beta", 0.5f))
                .Model;
        }

        private static void AssertRemovalMatchesZeroFilling(OnnxModel model, PruneOptions options, int width, int samples = 16)
        {
            var removed = Pruner.PruneModel(model, options with { PhysicalRemoval = true });
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            Assert.True(removed.RemovedNeurons > 0);
            var x = ModelBuilder.RandomWeights(samples * width, 11);
            var expected = Ort.Run(OnnxWriter.Write(zeroed.Model), x, samples, width);
            var actual = Ort.Run(OnnxWriter.Write(removed.Model), x, samples, width);
            double diff = Ort.MaxAbsDifference(expected, actual);
            Assert.True(diff <= Tolerance, $"removing the neurons changed the outputs by {diff}");
        }

        [Theory]
        [InlineData(PruneScope.Global, PruneNorm.L1, 0.5)]
        [InlineData(PruneScope.Layer, PruneNorm.L2, 0.4)]
        [InlineData(PruneScope.Global, PruneNorm.L2, 0.8)]
        public void Removing_neurons_behind_gemm_matmul_add_and_activations_keeps_outputs(PruneScope scope, PruneNorm norm, double sparsity)
        {
            AssertRemovalMatchesZeroFilling(MagnitudeAndRandomTests.ScaledMlp(), new PruneOptions { Method = PruneMethod.Structured, Scope = scope, Norm = norm, Sparsity = sparsity }, 12);
        }

        [Fact]
        public void Removing_neurons_behind_batchnorm_and_sigmoid_folds_their_constants_into_new_biases()
        {
            var options = new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 };
            AssertRemovalMatchesZeroFilling(BatchNormModel(), options, 10);
            var removed = Pruner.PruneModel(BatchNormModel(), options);
            var layers = LayerFinder.Find(removed.Model);
            Assert.Equal(new[] { (6, 10), (4, 6), (4, 4) }, layers.Select(l => (l.Outputs, l.Inputs)));
            var bn = removed.Model.Graph!.Initializers.Where(t => new[] { "scale", "shift", "mean", "var" }.Contains(t.Name));
            Assert.All(bn, t => Assert.Equal(6, OnnxTensorData.ElementCount(t)));
            Assert.Contains(removed.Model.Graph.Nodes, n => n.OpType == "Add"); // the MatMul got a bias for the folded constants
        }

        [Fact]
        public void The_removed_neurons_are_those_of_least_norm_and_the_last_layer_keeps_its_outputs()
        {
            var model = MagnitudeAndRandomTests.ScaledMlp();
            var zeroed = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Norm = PruneNorm.L2, Sparsity = 0.25, PhysicalRemoval = false });
            var before = LayerFinder.Find(model);
            var after = LayerFinder.Find(zeroed.Model);
            for (int l = 0; l < 2; l++)
            {
                float[] m = before[l].ReadMatrix(), z = after[l].ReadMatrix();
                int k = before[l].Inputs;
                double Rms(int row) => Math.Sqrt(Enumerable.Range(0, k).Average(c => (double)m[row * k + c] * m[row * k + c]));
                var expected = Enumerable.Range(0, before[l].Outputs).OrderBy(Rms).Take((int)Math.Round(0.25 * before[l].Outputs)).OrderBy(i => i);
                var actual = Enumerable.Range(0, before[l].Outputs).Where(row => Enumerable.Range(0, k).All(c => z[row * k + c] == 0f));
                Assert.Equal(expected, actual);
            }
            Assert.Equal(before[2].ReadMatrix(), after[2].ReadMatrix());
        }

        [Fact]
        public void Structured_pruning_of_the_digits_mlp_shrinks_it_and_onnx_runtime_agrees_with_zero_filling()
        {
            var model = OnnxReader.Read(File.ReadAllBytes(Fixtures.DenseModel));
            var options = new PruneOptions { Method = PruneMethod.Structured, Sparsity = 0.5 };
            var removed = Pruner.PruneModel(model, options);
            Assert.True(OnnxWriter.Write(removed.Model).Length < File.ReadAllBytes(Fixtures.DenseModel).Length / 2);
            var (pixels, labels) = Fixtures.TestSet();
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            double diff = Ort.MaxAbsDifference(Ort.Run(OnnxWriter.Write(zeroed.Model), pixels, labels.Length, 64), Ort.Run(OnnxWriter.Write(removed.Model), pixels, labels.Length, 64));
            Assert.True(diff <= 1e-4, $"max difference {diff}");
        }

        [Fact]
        public void Removing_every_neuron_of_a_layer_is_an_impossible_sparsity()
        {
            var e = Assert.Throws<PruningException>(() => Pruner.PruneModel(MagnitudeAndRandomTests.ScaledMlp(),
                new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.99 }));
            Assert.Equal(PruningError.ImpossibleSparsity, e.Error);
        }

        [Fact]
        public void A_global_neuron_budget_leaves_every_layer_a_neuron()
        {
            var result = Pruner.PruneModel(MagnitudeAndRandomTests.ScaledMlp(), new PruneOptions { Method = PruneMethod.Structured, Sparsity = 0.95 });
            Assert.All(LayerFinder.Find(result.Model), l => Assert.True(l.Outputs >= 1));
        }
        /// <summary>x[1,3,8,8] → Conv 6x3x3 (pads 1) → BatchNormalization → Relu → Conv 4x6x3x3 (pads as given) → y.</summary>
        private static OnnxModel ConvModel(long nextPads, bool nextBias)
        {
            var r = new Random(3);
            float[] Values(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
            long outSide = 8 + 2 * nextPads - 2;
            var b = new ModelBuilder()
                .Input("x", 1, 3, 8, 8)
                .Output("y", 1, 4, outSide, outSide)
                .Initializer("W1", new long[] { 6, 3, 3, 3 }, Values(162, -1, 1))
                .Initializer("B1", new long[] { 6 }, Values(6, -0.5f, 1f))
                .Initializer("scale", new long[] { 6 }, Values(6, 0.5f, 1.5f))
                .Initializer("shift", new long[] { 6 }, Values(6, 0.1f, 0.5f)) // positive: removed filters pass on nonzero constants
                .Initializer("mean", new long[] { 6 }, Values(6, -0.2f, 0.2f))
                .Initializer("var", new long[] { 6 }, Values(6, 0.5f, 2f))
                .Initializer("W2", new long[] { 4, 6, 3, 3 }, Values(216, -1, 1))
                .Node("Conv", new[] { "x", "W1", "B1" }, new[] { "c1" }, "conv1", new OnnxAttribute { Name = "pads", Type = OnnxAttributeType.Ints, Ints = { 1, 1, 1, 1 } })
                .Node("BatchNormalization", new[] { "c1", "scale", "shift", "mean", "var" }, new[] { "n1" }, "bn1")
                .Node("Relu", new[] { "n1" }, new[] { "a1" }, "relu1");
            if (nextBias) b.Initializer("B2", new long[] { 4 }, Values(4, -1, 1));
            return b.Node("Conv", nextBias ? new[] { "a1", "W2", "B2" } : new[] { "a1", "W2" }, new[] { "y" }, "conv2",
                new OnnxAttribute { Name = "pads", Type = OnnxAttributeType.Ints, Ints = { nextPads, nextPads, nextPads, nextPads } }).Model;
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Removing_filters_before_an_unpadded_conv_folds_their_constants_and_keeps_outputs(bool nextBias)
        {
            var model = ConvModel(nextPads: 0, nextBias);
            var options = new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 };
            var removed = Pruner.PruneModel(model, options);
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            Assert.Equal(3, removed.RemovedNeurons);
            Assert.Equal(new long[] { 3, 3, 3, 3 }, removed.Model.Graph!.Initializers.Single(t => t.Name == "W1").Dims);
            Assert.Equal(new long[] { 4, 3, 3, 3 }, removed.Model.Graph.Initializers.Single(t => t.Name == "W2").Dims);
            Assert.All(removed.Model.Graph.Initializers.Where(t => t.Name is "B1" or "scale" or "shift" or "mean" or "var"), t => Assert.Equal(3, OnnxTensorData.ElementCount(t)));
            var x = OracleInput.Float(ModelBuilder.RandomWeights(3 * 64, 21), 1, 3, 8, 8);
            var expected = OrtOracle.Run(OnnxWriter.Write(zeroed.Model), x).Single().Data;
            var actual = OrtOracle.Run(OnnxWriter.Write(removed.Model), x).Single().Data;
            Assert.True(Ort.MaxAbsDifference(expected, actual) <= Tolerance, $"max difference {Ort.MaxAbsDifference(expected, actual)}");
        }

        [Fact]
        public void Filters_before_a_padded_conv_with_nonzero_constants_are_zeroed_but_not_removed()
        {
            // Padding makes a constant channel non-constant at the borders: folding would be wrong, so the filters stay.
            var model = ConvModel(nextPads: 1, nextBias: true);
            var result = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 });
            Assert.Equal(0, result.RemovedNeurons);
            Assert.Equal(81, OnnxTensorData.ToFloats(result.Model.Graph!.Initializers.Single(t => t.Name == "W1")).Count(v => v == 0f));
        }

        /// <summary>
        /// x[1,1,8,8] → Conv 4x1x3x3 (pads 1) → BatchNormalization → Relu → MaxPool 2x2 → Conv 6x4x3x3 → Relu →
        /// GlobalMaxPool-free Flatten → Gemm 5x24: filters reach the next conv through pooling, and the dense head through Flatten.
        /// </summary>
        private static OnnxModel PooledCnn(long batch = 1)
        {
            var r = new Random(5);
            float[] Values(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
            OnnxAttribute Ints(string name, params long[] values) { var a = new OnnxAttribute { Name = name, Type = OnnxAttributeType.Ints }; foreach (var v in values) a.Ints.Add(v); return a; }
            return new ModelBuilder()
                .Input("x", batch, 1, 8, 8)
                .Output("y", batch, 5)
                .Initializer("W1", new long[] { 4, 1, 3, 3 }, Values(36, -1, 1))
                .Initializer("B1", new long[] { 4 }, Values(4, -0.5f, 1f))
                .Initializer("scale", new long[] { 4 }, Values(4, 0.5f, 1.5f))
                .Initializer("shift", new long[] { 4 }, Values(4, 0.1f, 0.5f)) // removed filters pass on nonzero constants
                .Initializer("mean", new long[] { 4 }, Values(4, -0.2f, 0.2f))
                .Initializer("var", new long[] { 4 }, Values(4, 0.5f, 2f))
                .Initializer("W2", new long[] { 6, 4, 3, 3 }, Values(216, -1, 1))
                .Initializer("B2", new long[] { 6 }, Values(6, 0.1f, 1f))
                .Initializer("W3", new long[] { 5, 24 }, Values(120, -1, 1))
                .Initializer("B3", new long[] { 5 }, Values(5, -1, 1))
                .Node("Conv", new[] { "x", "W1", "B1" }, new[] { "c1" }, "conv1", Ints("pads", 1, 1, 1, 1))
                .Node("BatchNormalization", new[] { "c1", "scale", "shift", "mean", "var" }, new[] { "n1" }, "bn1")
                .Node("Relu", new[] { "n1" }, new[] { "a1" }, "relu1")
                .Node("MaxPool", new[] { "a1" }, new[] { "p1" }, "pool1", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
                .Node("Conv", new[] { "p1", "W2", "B2" }, new[] { "c2" }, "conv2")
                .Node("Relu", new[] { "c2" }, new[] { "a2" }, "relu2")
                .Node("Flatten", new[] { "a2" }, new[] { "f" }, "flatten")
                .Node("Gemm", new[] { "f", "W3", "B3" }, new[] { "y" }, "fc", ModelBuilder.Int("transB", 1))
                .Model;
        }

        [Fact]
        public void Filters_are_removed_through_pooling_into_the_next_conv_and_through_Flatten_into_the_dense_head()
        {
            var model = PooledCnn();
            var options = new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 };
            var removed = Pruner.PruneModel(model, options);
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            Assert.Equal(2 + 3, removed.RemovedNeurons);
            var graph = removed.Model.Graph!;
            Assert.Equal(new long[] { 2, 1, 3, 3 }, graph.Initializers.Single(t => t.Name == "W1").Dims);
            Assert.Equal(new long[] { 3, 2, 3, 3 }, graph.Initializers.Single(t => t.Name == "W2").Dims);
            Assert.Equal(new long[] { 5, 12 }, graph.Initializers.Single(t => t.Name == "W3").Dims);   // 3 filters x 2 x 2 positions
            foreach (int seed in new[] { 31, 32, 33 })
            {
                var x = OracleInput.Float(ModelBuilder.RandomWeights(64, seed), 1, 1, 8, 8);
                var expected = OrtOracle.Run(OnnxWriter.Write(zeroed.Model), x).Single().Data;
                var actual = OrtOracle.Run(OnnxWriter.Write(removed.Model), x).Single().Data;
                Assert.True(Ort.MaxAbsDifference(expected, actual) <= Tolerance, $"seed {seed}: max difference {Ort.MaxAbsDifference(expected, actual)}");
            }
        }

        [Fact]
        public void Average_pooling_that_counts_padding_stops_filter_removal()
        {
            // A padded average that counts the padded cells turns a constant channel into a non-constant one at the borders.
            var model = PooledCnn();
            var pool = model.Graph!.Nodes.Single(n => n.Name == "pool1");
            pool.OpType = "AveragePool";
            var pads = new OnnxAttribute { Name = "pads", Type = OnnxAttributeType.Ints };
            foreach (var v in new long[] { 1, 1, 1, 1 }) pads.Ints.Add(v);
            pool.Attributes.Add(pads);
            pool.Attributes.Add(ModelBuilder.Int("count_include_pad", 1));
            pool.Attributes.Single(a => a.Name == "kernel_shape").Ints[0] = 3;
            pool.Attributes.Single(a => a.Name == "kernel_shape").Ints[1] = 3;
            // 8x8 -> (8 + 2 - 3) / 2 + 1 = 4: the rest of the model is unchanged.
            var result = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 });
            Assert.Equal(new long[] { 4, 1, 3, 3 }, result.Model.Graph!.Initializers.Single(t => t.Name == "W1").Dims);
            Assert.Equal(3, result.RemovedNeurons);   // conv2's filters still go, through Flatten
        }

        [Fact]
        public void Filters_are_removed_from_a_model_with_a_fixed_batch_of_two()
        {
            var model = PooledCnn(batch: 2);
            var options = new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 };
            var removed = Pruner.PruneModel(model, options);
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            Assert.Equal(2 + 3, removed.RemovedNeurons);
            Assert.Equal(new long[] { 5, 12 }, removed.Model.Graph!.Initializers.Single(t => t.Name == "W3").Dims);
            var x = OracleInput.Float(ModelBuilder.RandomWeights(128, 41), 2, 1, 8, 8);
            var expected = OrtOracle.Run(OnnxWriter.Write(zeroed.Model), x).Single().Data;
            var actual = OrtOracle.Run(OnnxWriter.Write(removed.Model), x).Single().Data;
            Assert.Equal(10, actual.Length);
            Assert.True(Ort.MaxAbsDifference(expected, actual) <= Tolerance, $"max difference {Ort.MaxAbsDifference(expected, actual)}");
        }

        /// <summary>
        /// x[1,4,6,6] → Conv 8x4x3x3 → Relu → Conv 8x(4)x3x3, group 2 → Relu → Flatten → Gemm 16x32 → Relu → Gemm 5x16 → y.
        /// </summary>
        private static OnnxModel GroupedCnn()
        {
            var r = new Random(7);
            float[] Values(int n, float lo, float hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
            return new ModelBuilder()
                .Input("x", 1, 4, 6, 6)
                .Output("y", 1, 5)
                .Initializer("W1", new long[] { 8, 4, 3, 3 }, Values(288, -1, 1))
                .Initializer("B1", new long[] { 8 }, Values(8, -0.5f, 1f))
                .Initializer("W2", new long[] { 8, 4, 3, 3 }, Values(288, -1, 1))
                .Initializer("B2", new long[] { 8 }, Values(8, -0.5f, 1f))
                .Initializer("W3", new long[] { 16, 32 }, Values(512, -1, 1))
                .Initializer("B3", new long[] { 16 }, Values(16, -1, 1))
                .Initializer("W4", new long[] { 5, 16 }, Values(80, -1, 1))
                .Initializer("B4", new long[] { 5 }, Values(5, -1, 1))
                .Node("Conv", new[] { "x", "W1", "B1" }, new[] { "c1" }, "conv1")
                .Node("Relu", new[] { "c1" }, new[] { "a1" }, "relu1")
                .Node("Conv", new[] { "a1", "W2", "B2" }, new[] { "c2" }, "conv2", ModelBuilder.Int("group", 2))
                .Node("Relu", new[] { "c2" }, new[] { "a2" }, "relu2")
                .Node("Flatten", new[] { "a2" }, new[] { "f" }, "flatten")
                .Node("Gemm", new[] { "f", "W3", "B3" }, new[] { "h" }, "fc1", ModelBuilder.Int("transB", 1))
                .Node("Relu", new[] { "h" }, new[] { "a3" }, "relu3")
                .Node("Gemm", new[] { "a3", "W4", "B4" }, new[] { "y" }, "fc2", ModelBuilder.Int("transB", 1))
                .Model;
        }

        [Fact]
        public void Grouped_convs_and_the_layers_feeding_them_are_left_alone_and_the_report_says_why()
        {
            // Removing filters of a grouped conv, or input channels of one, would leave groups of different sizes.
            var model = GroupedCnn();
            var options = new PruneOptions { Method = PruneMethod.Structured, Scope = PruneScope.Layer, Sparsity = 0.5 };
            var removed = Pruner.PruneModel(model, options);
            var zeroed = Pruner.PruneModel(model, options with { PhysicalRemoval = false });
            Assert.Equal(8, removed.RemovedNeurons); // half of fc1's 16
            var byName = removed.Layers.ToDictionary(l => l.Name);
            Assert.False(byName["conv1"].Pruned);
            Assert.Contains("feeds Conv 'conv2', a grouped convolution (group 2)", byName["conv1"].Note);
            Assert.False(byName["conv2"].Pruned);
            Assert.StartsWith("a grouped convolution (group 2)", byName["conv2"].Note);
            Assert.True(byName["fc1"].Pruned);
            Assert.Null(byName["fc1"].Note);
            Assert.Equal((8, 32), (byName["fc1"].OutputsAfter, byName["fc1"].InputsAfter));
            var x = OracleInput.Float(ModelBuilder.RandomWeights(144, 51), 1, 4, 6, 6);
            var expected = OrtOracle.Run(OnnxWriter.Write(zeroed.Model), x).Single().Data;
            var actual = OrtOracle.Run(OnnxWriter.Write(removed.Model), x).Single().Data;
            Assert.True(Ort.MaxAbsDifference(expected, actual) <= Tolerance, $"max difference {Ort.MaxAbsDifference(expected, actual)}");

            // With fc1 excluded nothing is left, and the error names each layer's reason.
            var e = Assert.Throws<PruningException>(() => Pruner.PruneModel(model, options with { Exclude = new[] { "fc1" } }));
            Assert.Equal(PruningError.NothingToPrune, e.Error);
            Assert.Contains("conv1: it feeds Conv 'conv2', a grouped convolution (group 2)", e.Message);
            Assert.Contains("conv2: a grouped convolution (group 2)", e.Message);
            Assert.Contains("fc1: excluded", e.Message);
            Assert.Contains("fc2: its outputs are the model's", e.Message);
        }

        [Fact]
        public void Pcg_prune_prints_why_structured_pruning_left_a_layer_alone()
        {
            string dir = Fixtures.TempDir(), input = Path.Combine(dir, "grouped.onnx");
            File.WriteAllBytes(input, OnnxWriter.Write(GroupedCnn()));
            var r = Cli.PcgRunner.Run("prune", input, "-o", Path.Combine(dir, "out.onnx"), "--method", "structured", "--scope", "layer", "--sparsity", "0.5");
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("conv2 not pruned: a grouped convolution (group 2): structured removal takes group-1 convolutions only", r.Output);
            Assert.Contains("conv1 not pruned: it feeds Conv 'conv2'", r.Output);
        }
    }
}
