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
    public class MagnitudeAndRandomTests
    {
        /// <summary>A 3-layer MLP whose layers have very different weight scales, so global and layer-wise thresholds differ.</summary>
        internal static OnnxModel ScaledMlp(int seed = 1)
        {
            float[] Scaled(int n, int s, float scale) => ModelBuilder.RandomWeights(n, s).Select(w => w * scale).ToArray();
            return new ModelBuilder()
                .Input("x", null, 12)
                .Output("y", null, 5)
                .Initializer("W1", new long[] { 16, 12 }, Scaled(16 * 12, seed, 1f))
                .Initializer("b1", new long[] { 16 }, Scaled(16, seed + 1, 0.1f))
                .Initializer("W2", new long[] { 16, 8 }, Scaled(16 * 8, seed + 2, 0.2f)) // MatMul layout: [in, out]
                .Initializer("b2", new long[] { 8 }, Scaled(8, seed + 3, 0.1f))
                .Initializer("W3", new long[] { 5, 8 }, Scaled(5 * 8, seed + 4, 3f))
                .Initializer("b3", new long[] { 5 }, Scaled(5, seed + 5, 0.1f))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h1" }, "fc1", ModelBuilder.Int("transB", 1))
                .Node("Relu", new[] { "h1" }, new[] { "a1" }, "relu1")
                .Node("MatMul", new[] { "a1", "W2" }, new[] { "m2" }, "fc2")
                .Node("Add", new[] { "m2", "b2" }, new[] { "h2" }, "bias2")
                .Node("Tanh", new[] { "h2" }, new[] { "a2" }, "tanh2")
                .Node("Gemm", new[] { "a2", "W3", "b3" }, new[] { "y" }, "fc3", ModelBuilder.Int("transB", 1))
                .Model;
        }

        private static float[] Weights(OnnxModel model, string name) => OnnxTensorData.ToFloats(model.Graph!.Initializers.Single(t => t.Name == name));

        [Fact]
        public void Layer_scope_zeroes_the_smallest_magnitudes_of_each_layer()
        {
            var model = ScaledMlp();
            var result = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.6, Scope = PruneScope.Layer });
            foreach (string w in new[] { "W1", "W2", "W3" })
            {
                float[] before = Weights(model, w), after = Weights(result.Model, w);
                Assert.Equal(before.Length, after.Length);
                int expectedZeros = (int)Math.Round(0.6 * before.Length, MidpointRounding.AwayFromZero);
                Assert.Equal(expectedZeros, after.Count(v => v == 0f));
                var pruned = Enumerable.Range(0, before.Length).Where(i => after[i] == 0f).Select(i => Math.Abs(before[i])).ToArray();
                var kept = Enumerable.Range(0, before.Length).Where(i => after[i] != 0f).ToArray();
                Assert.All(kept, i => Assert.Equal(before[i], after[i])); // survivors untouched
                Assert.True(pruned.Max() <= kept.Min(i => Math.Abs(before[i])), $"{w}: a pruned weight is larger than a kept one");
            }
        }

        [Fact]
        public void Global_scope_uses_one_threshold_so_small_scale_layers_lose_more()
        {
            var model = ScaledMlp();
            var result = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.6, Scope = PruneScope.Global });
            var names = new[] { "W1", "W2", "W3" };
            var before = names.SelectMany(n => Weights(model, n)).ToArray();
            var after = names.SelectMany(n => Weights(result.Model, n)).ToArray();
            Assert.Equal((int)Math.Round(0.6 * before.Length, MidpointRounding.AwayFromZero), after.Count(v => v == 0f));
            double maxPruned = Enumerable.Range(0, before.Length).Where(i => after[i] == 0f).Max(i => Math.Abs(before[i]));
            double minKept = Enumerable.Range(0, before.Length).Where(i => after[i] != 0f).Min(i => Math.Abs(before[i]));
            Assert.True(maxPruned <= minKept);
            double Sparsity(string n) => Weights(result.Model, n).Count(v => v == 0f) / (double)Weights(model, n).Length;
            Assert.True(Sparsity("W2") > 0.9, $"W2 (scale 0.2) should lose nearly everything, lost {Sparsity("W2")}");
            Assert.True(Sparsity("W3") < 0.2, $"W3 (scale 3) should lose little, lost {Sparsity("W3")}");
        }

        [Fact]
        public void Global_magnitude_on_digits_matches_pytorch_global_unstructured_l1()
        {
            // make_digits.py pruned the same dense model with torch.nn.utils.prune.global_unstructured(L1Unstructured, 0.9)
            // and recorded the zeros per layer.
            var model = OnnxReader.Read(File.ReadAllBytes(Fixtures.DenseModel));
            var result = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.9 });
            var expected = Fixtures.Metrics.GetProperty("sparsity_per_layer").EnumerateArray().Select(l => l.GetProperty("zeros").GetInt32()).ToArray();
            var actual = result.Layers.Select(l => l.WeightsBefore - l.NonzerosAfter).ToArray();
            Assert.Equal(expected, actual);
        }

        [Fact]
        public void Random_is_seeded_exact_in_count_and_not_magnitude_ordered()
        {
            var model = ScaledMlp();
            var a = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Random, Sparsity = 0.5, Scope = PruneScope.Layer, Seed = 3 });
            var b = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Random, Sparsity = 0.5, Scope = PruneScope.Layer, Seed = 3 });
            var c = Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Random, Sparsity = 0.5, Scope = PruneScope.Layer, Seed = 4 });
            Assert.Equal(Weights(a.Model, "W1"), Weights(b.Model, "W1"));
            Assert.NotEqual(Weights(a.Model, "W1"), Weights(c.Model, "W1"));
            float[] before = Weights(model, "W1"), after = Weights(a.Model, "W1");
            Assert.Equal(96, after.Count(v => v == 0f));
            double maxPruned = Enumerable.Range(0, before.Length).Where(i => after[i] == 0f).Max(i => Math.Abs(before[i]));
            double minKept = Enumerable.Range(0, before.Length).Where(i => after[i] != 0f).Min(i => Math.Abs(before[i]));
            Assert.True(maxPruned > minKept, "random pruning removed exactly the smallest weights: it is not random");
        }

        [Fact]
        public void Exclude_and_keep_first_last_leave_those_layers_bit_identical()
        {
            var model = ScaledMlp();
            var excluded = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.8, Exclude = new[] { "fc2" } });
            Assert.Equal(Weights(model, "W2"), Weights(excluded.Model, "W2"));
            Assert.Contains(Weights(excluded.Model, "W1"), v => v == 0f);
            var byWeightName = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.8, Exclude = new[] { "W1" } });
            Assert.Equal(Weights(model, "W1"), Weights(byWeightName.Model, "W1"));

            var inner = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.8, KeepFirstLast = true });
            Assert.Equal(Weights(model, "W1"), Weights(inner.Model, "W1"));
            Assert.Equal(Weights(model, "W3"), Weights(inner.Model, "W3"));
            Assert.Equal(102, Weights(inner.Model, "W2").Count(v => v == 0f)); // round(0.8 * 128)
        }

        [Fact]
        public void The_input_model_is_never_modified()
        {
            var model = ScaledMlp();
            byte[] before = OnnxWriter.Write(model);
            Pruner.PruneModel(model, new PruneOptions { Method = PruneMethod.Structured, Sparsity = 0.5 });
            Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.9 });
            Assert.Equal(before, OnnxWriter.Write(model));
        }

        [Theory]
        [InlineData(1.0)]
        [InlineData(-0.1)]
        [InlineData(double.NaN)]
        public void Impossible_sparsity_is_refused(double sparsity)
        {
            var e = Assert.Throws<PruningException>(() => Pruner.PruneModel(ScaledMlp(), new PruneOptions { Sparsity = sparsity }));
            Assert.Equal(PruningError.ImpossibleSparsity, e.Error);
        }

        [Fact]
        public void Unknown_layer_names_are_refused_with_the_list_of_layers()
        {
            var e = Assert.Throws<PruningException>(() => Pruner.PruneModel(ScaledMlp(), new PruneOptions { Sparsity = 0.5, Exclude = new[] { "fc9" } }));
            Assert.Equal(PruningError.UnknownLayer, e.Error);
            Assert.Contains("fc1, fc2, fc3", e.Message);
        }

        [Fact]
        public void Pruned_model_round_trips_through_onnx_runtime_with_the_masked_weights()
        {
            // ORT runs the pruned file; the reference is ORT on the original file with the zeros put in by this test.
            var model = ScaledMlp();
            var result = Pruner.PruneModel(model, new PruneOptions { Sparsity = 0.7, Scope = PruneScope.Layer });
            var manual = OnnxReader.Read(OnnxWriter.Write(model));
            foreach (string w in new[] { "W1", "W2", "W3" })
            {
                var t = manual.Graph!.Initializers.Single(x => x.Name == w);
                float[] pruned = Weights(result.Model, w);
                float[] masked = OnnxTensorData.ToFloats(t).Select((v, i) => pruned[i] == 0f ? 0f : v).ToArray();
                t.RawData = null;
                t.FloatData.Clear();
                t.FloatData.AddRange(masked);
            }
            var x = ModelBuilder.RandomWeights(4 * 12, 99);
            var expected = Ort.Run(OnnxWriter.Write(manual), x, 4, 12);
            var actual = Ort.Run(OnnxWriter.Write(result.Model), x, 4, 12);
            Assert.Equal(expected, actual);
        }

        [Fact]
        public void Reading_and_writing_the_digits_model_keeps_onnx_runtime_outputs_identical()
        {
            byte[] original = File.ReadAllBytes(Fixtures.DenseModel);
            byte[] rewritten = OnnxWriter.Write(Pruner.Clone(OnnxReader.Read(original)));
            var (pixels, labels) = Fixtures.TestSet();
            Assert.Equal(Ort.Run(original, pixels, labels.Length, 64), Ort.Run(rewritten, pixels, labels.Length, 64));
        }

        /// <summary>Scores each weight by its position: the first weights of every layer are the least important.</summary>
        private sealed class PositionCriterion : IPruningCriterion
        {
            public float[] Score(int layerIndex, float[] matrix, int outputs, int inputs) => Enumerable.Range(0, matrix.Length).Select(i => (float)i).ToArray();
        }

        [Fact]
        public void A_plugged_in_criterion_decides_the_masks_and_masks_can_be_applied_separately()
        {
            var model = ScaledMlp();
            var masks = Pruner.ComputeMasks(model, new PruneOptions { Sparsity = 0.25, Scope = PruneScope.Layer }, new PositionCriterion());
            Assert.Equal(3, masks.Count);
            foreach (var mask in masks)
            {
                int pruned = (int)Math.Round(0.25 * mask.Keep.Length, MidpointRounding.AwayFromZero);
                Assert.All(mask.Keep.Take(pruned), k => Assert.False(k));
                Assert.All(mask.Keep.Skip(pruned), k => Assert.True(k));
            }
            byte[] before = OnnxWriter.Write(model);
            var matrices = Pruner.ApplyMasks(masks.Select(m => m.Layer).ToList(), masks);
            Assert.NotEqual(before, OnnxWriter.Write(model)); // ApplyMasks works in place, for callers that own the model
            Assert.Equal(0f, matrices[0][0]);
            Assert.Equal(0f, LayerFinder.Find(model)[0].ReadMatrix()[0]);
        }

        [Fact]
        public void Layers_are_found_in_graph_order_with_their_shapes()
        {
            var layers = LayerFinder.Find(ScaledMlp());
            Assert.Equal(new[] { "fc1", "fc2", "fc3" }, layers.Select(l => l.Name));
            Assert.Equal(new[] { (16, 12), (8, 16), (5, 8) }, layers.Select(l => (l.Outputs, l.Inputs)));
            Assert.Equal("b2", layers[1].Bias!.Name); // MatMul's bias is the Add that follows it
        }
    }
}
