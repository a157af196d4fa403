using System;
using System.IO;
using System.Linq;
using PrunedCodegen.Tests.Hardening;
using PrunedCodegen.Tests.Infrastructure;
using PrunedCodegen.Tests.Models;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Kernels
{
    /// <summary>
    /// The dense batch kernel (the GEMM micro-kernel, Kernels.Gemm, 12-row panels x 2 vectors of samples) against ONNX
    /// Runtime: awkward layer sizes (partial panels, a single input, a single output), sparsities 0/50/90%, batch sizes
    /// that leave partial groups of 64 and lanes of 16, the fused ReLU and other activations, special values, and no allocation per call.
    /// Runs in the CI instruction-set matrix (Category=Kernels), so every vector width and the scalar path are covered.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class DenseBatchKernelTests
    {
        private static readonly int[] Batches = { 1, 2, 7, 16, 17, 33, 64, 65, 100, 130 };

        private static ModelBuilder Layer(int k, int n, double sparsity, string activation)
        {
            var builder = new ModelBuilder().Input("x", null, k).Output("y", null, n)
                .Initializer("W", new long[] { n, k }, RandomWeights(n * k, k * 1000 + n, sparsity))
                .Initializer("b", new long[] { n }, RandomWeights(n, 5));
            if (activation == "None")
                return builder.Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "", Int("transB", 1));
            return builder.Node("Gemm", new[] { "x", "W", "b" }, new[] { "h" }, "", Int("transB", 1))
                .Node(activation, new[] { "h" }, new[] { "y" });
        }

        /// <summary>PredictBatch at every batch size against one batched ONNX Runtime call.</summary>
        private static void AssertBatchesMatchOrt(byte[] onnx, GeneratedModel model, float atol, float rtol, string context)
        {
            int k = model.InputLengths[0];
            foreach (int batch in Batches)
            {
                var x = CompiledModel.RandomInput(batch * k, 1000 + batch, 2f);
                var expected = OrtOracle.Run(onnx, OracleInput.Float(x, batch, k))[0].Floats!;
                Tolerance.AssertClose(expected, model.PredictBatch(batch, x)[0], atol, rtol, $"{context}, batch {batch}");
            }
        }

        [Theory]
        [InlineData(1, 1, 0.0, "None")]
        [InlineData(3, 7, 0.5, "Relu")]
        [InlineData(7, 3, 0.9, "Sigmoid")]
        [InlineData(17, 63, 0.0, "Relu")]
        [InlineData(63, 17, 0.5, "Tanh")]
        [InlineData(1000, 17, 0.0, "Relu")]
        [InlineData(17, 1000, 0.9, "None")]
        [InlineData(1, 1000, 0.5, "Relu")]
        [InlineData(1000, 1, 0.9, "Relu")]
        [InlineData(63, 63, 0.0, "LeakyRelu")]
        public void Dense_batch_kernel_on_awkward_sizes_and_sparsities(int k, int n, double sparsity, string activation)
        {
            byte[] onnx = Layer(k, n, sparsity, activation).Build();
            // Forcing the dense kernel forces the dense batch kernel too, whatever the sparsity.
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.DenseSimd }).Source!;
            Assert.Contains("Kernels.Gemm(", source);
            Assert.Contains(activation == "Relu" ? "clamp: true" : "clamp: false", source);
            // With 12+ outputs the micro-kernel reads the single-sample kernel's [K][N] weights in place (the last panel
            // overlapping the one before); narrower layers get a zero-padded packed copy. Both layouts are checked here.
            bool inPlace = n >= 12;
            Assert.Contains(inPlace ? "Kernels.Gemm(Layer0_Weights, " + n + "," : "Kernels.Gemm(Layer0_Packed, global::PrunedCodegen.Generated.Kernels.GemmPanelRows,", source);
            if (inPlace) Assert.DoesNotContain("_Packed", source); else Assert.Contains("_Packed", source);
            // Sums of up to 1000 products of magnitude ~2 in float32: the summation order alone moves them by ~1e-4.
            AssertBatchesMatchOrt(onnx, CompiledModel.Load(onnx, KernelChoice.DenseSimd), 1e-4f * (1 + k / 100), 1e-4f, $"{k}x{n} at {sparsity:P0} ({activation}), dense batch");
            AssertBatchesMatchOrt(onnx, CompiledModel.Load(onnx, KernelChoice.Auto), 1e-4f * (1 + k / 100), 1e-4f, $"{k}x{n} at {sparsity:P0} ({activation}), auto");
        }

        [Fact]
        public void Dense_mlp_batches_through_the_dense_batch_kernel_with_a_softmax_epilogue_and_allocates_nothing()
        {
            // A fully dense model: before the dense batch kernel, PredictBatch ran it one sample at a time.
            var builder = Mlp(64, 128, 10, seed: 61);
            builder.Model.Graph!.Nodes[2].Outputs[0] = "logits";
            builder.Node("Softmax", new[] { "logits" }, new[] { "y" });
            byte[] onnx = builder.Build();
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Run_Batch(", source);
            Assert.Equal(2, CountOf(source, "Kernels.Gemm("));
            Assert.Contains("batch: dense GEMM", source);
            var model = CompiledModel.Load(onnx, KernelChoice.Auto);
            AssertBatchesMatchOrt(onnx, model, 1e-5f, 1e-4f, "dense 64-128-10 MLP + softmax");
            foreach (int batch in new[] { 2, 17, 64 })
                Assert.Equal(0, model.AllocatedBytesBatch(batch, new[] { CompiledModel.RandomInput(batch * 64, 3) }, iterations: 50));
        }

        [Fact]
        public void A_batch_scratch_too_large_for_the_stack_is_a_pinned_thread_static_array_and_gives_what_ONNX_Runtime_gives()
        {
            // (784 + 512 + 10) features x 16 samples exceed the 64 KB stack budget: the batch path's scratch is then a
            // thread-static pinned array, sliced to a 64-byte boundary like the stack one.
            byte[] onnx = Mlp(784, 512, 10, seed: 81).Build();
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("t_batchScratch ??= global::System.GC.AllocateArray<float>(", source);
            Assert.Contains("pinned: true", source);
            var model = CompiledModel.Load(onnx, KernelChoice.Auto);
            AssertBatchesMatchOrt(onnx, model, 2e-4f, 1e-4f, "784-512-10, heap scratch");
            Assert.Equal(0, model.AllocatedBytesBatch(64, new[] { CompiledModel.RandomInput(64 * 784, 4) }, iterations: 20));
        }

        [Fact]
        public void Each_layer_picks_its_batch_kernel_by_the_cost_model()
        {
            // Layer 0 dense, layer 1 90% sparse: the batch path runs them with different kernels.
            byte[] onnx = new ModelBuilder().Input("x", null, 96).Output("y", null, 24)
                .Initializer("W1", new long[] { 128, 96 }, RandomWeights(128 * 96, 71))
                .Initializer("b1", new long[] { 128 }, RandomWeights(128, 72))
                .Initializer("W2", new long[] { 24, 128 }, RandomWeights(24 * 128, 73, zeroFraction: 0.9))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node("Relu", new[] { "h" }, new[] { "hr" })
                .Node("Gemm", new[] { "hr", "W2" }, new[] { "y" }, "fc2", Int("transB", 1)).Build();
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Equal(1, CountOf(source, "Kernels.Gemm("));
            Assert.Equal(1, CountOf(source, "Kernels.SparseRowsBatch("));
            Assert.Contains("batch: dense GEMM", source);
            Assert.Contains("batch: sparse rows", source);
            AssertBatchesMatchOrt(onnx, CompiledModel.Load(onnx, KernelChoice.Auto), 1e-4f, 1e-4f, "dense then 90% sparse");
        }

        [Fact]
        public void Special_values_through_the_dense_batch_kernel_give_what_ONNX_Runtime_gives()
        {
            // The dense batch kernel multiplies every weight, zeros included, as ONNX Runtime does: NaN and infinities
            // propagate exactly as there (ReLU keeps NaN), in full and partial groups of 16.
            byte[] onnx = File.ReadAllBytes(CompiledModel.Fixture("digits", "digits_dense.onnx"));
            var model = CompiledModel.Load(onnx, KernelChoice.DenseSimd);
            int length = model.InputLengths[0], outLength = model.OutputLengths[0];
            var samples = SpecialValuesTests.SpecialSamples(length);
            // Twice over (26 samples: one full group and a partial one), in reverse the second time.
            var all = samples.Concat(samples.AsEnumerable().Reverse()).ToList();
            var x = all.SelectMany(s => s.Values).ToArray();
            var expected = OrtOracle.Run(onnx, OracleInput.Float(x, all.Count, length))[0].Floats!;
            var actual = model.PredictBatch(all.Count, x)[0];
            for (int s = 0; s < all.Count; s++)
                Tolerance.AssertClose(expected.AsSpan(s * outLength, outLength).ToArray(), actual.AsSpan(s * outLength, outLength).ToArray(),
                    1e-4f, 1e-4f, $"sample {s} '{all[s].Name}'");
        }

        private static int CountOf(string text, string part)
        {
            int count = 0;
            for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
            return count;
        }
    }
}
