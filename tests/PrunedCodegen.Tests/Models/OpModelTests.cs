using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Hand-built graphs that exercise each lowering (Gemm attributes, MatMul + Add, activations, views,
    /// broadcasting, several inputs and outputs), compiled and compared with ONNX Runtime on random inputs.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class OpModelTests
    {
        private static void AssertMatchesOrt(ModelBuilder builder, int batch = 3, float atol = 1e-5f, params KernelChoice[] kernels)
        {
            byte[] onnx = builder.Build();
            var graph = builder.Model.Graph!;
            var inputs = graph.Inputs.Where(i => graph.Initializers.All(t => t.Name != i.Name)).ToList();
            foreach (var kernel in kernels.Length == 0 ? new[] { KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled } : kernels)
            {
                var model = CompiledModel.Load(onnx, kernel);
                // Every input with a symbolic leading dim gets `batch` samples.
                var data = inputs.Select((v, i) => CompiledModel.RandomInput(model.InputLengths[i] * (v.Shape![0].Value == null ? batch : 1), 100 + i, 2f)).ToArray();
                var ortInputs = inputs.Select((v, i) => OracleInput.Float(v.Name, data[i], v.Shape!.Select(d => d.Value ?? batch).ToArray())).ToArray();
                var expected = OrtOracle.Run(onnx, ortInputs);
                bool batched = inputs.Any(v => v.Shape![0].Value == null);
                var actual = batched ? model.PredictBatch(batch, data) : model.Predict(data);
                Assert.Equal(expected.Count, actual.Length);
                for (int o = 0; o < actual.Length; o++)
                {
                    // An output without a batch dim (a constant) is repeated for every sample by PredictBatch.
                    bool perSample = batched && graph.Outputs[o].Shape!.Count > 0 && graph.Outputs[o].Shape![0].Value == null;
                    if (batched && !perSample)
                        for (int s = 0; s < batch; s++)
                            Tolerance.AssertClose(expected[o].Data, actual[o].AsSpan(s * expected[o].Data.Length, expected[o].Data.Length).ToArray(), atol, 1e-5f, $"output {o} sample {s} ({kernel})");
                    else
                        Tolerance.AssertClose(expected[o].Data, actual[o], atol, 1e-5f, $"output {o} ({kernel})");
                }
            }
        }

        [Theory]
        [InlineData(false, 1f, 1f)]
        [InlineData(true, 0.5f, 2f)]
        public void Gemm_with_constant_weights(bool transB, float alpha, float beta)
        {
            var w = RandomWeights(6 * 5, 1, zeroFraction: 0.5);
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 5).Output("y", null, 6)
                .Initializer("W", transB ? new long[] { 6, 5 } : new long[] { 5, 6 }, w)
                .Initializer("C", new long[] { 1, 6 }, RandomWeights(6, 2))
                .Node("Gemm", new[] { "x", "W", "C" }, new[] { "y" }, "g", Int("transB", transB ? 1 : 0), Float("alpha", alpha), Float("beta", beta)));
        }

        [Fact]
        public void Gemm_with_matrix_bias_and_scalar_bias()
        {
            AssertMatchesOrt(new ModelBuilder().Input("x", 3, 5).Output("y", 3, 4)
                .Initializer("W", new long[] { 5, 4 }, RandomWeights(20, 3))
                .Initializer("C", new long[] { 3, 4 }, RandomWeights(12, 4))
                .Node("Gemm", new[] { "x", "W", "C" }, new[] { "y" }));
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 5).Output("y", null, 4)
                .Initializer("W", new long[] { 5, 4 }, RandomWeights(20, 3))
                .Initializer("C", new long[0], new[] { 0.75f })
                .Node("Gemm", new[] { "x", "W", "C" }, new[] { "y" }));
        }

        [Fact]
        public void Gemm_with_runtime_operands_and_transposes()
        {
            AssertMatchesOrt(new ModelBuilder().Input("a", 6, 3).Input("b", 4, 6).Input("c", 1, 4).Output("y", 3, 4)
                .Node("Gemm", new[] { "a", "b", "c" }, new[] { "y" }, "", Int("transA", 1), Int("transB", 1), Float("alpha", 0.25f), Float("beta", 0.35f)));
        }

        [Fact]
        public void MatMul_plus_bias_first_Add_fuses_and_matches()
        {
            // PyTorch's 1-D/3-D export: MatMul with [in, out] weights, then Add(bias, product).
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 2, 16).Output("y", null, 2, 8)
                .Initializer("W", new long[] { 16, 8 }, RandomWeights(128, 5, 0.7))
                .Initializer("b", new long[] { 8 }, RandomWeights(8, 6))
                .Node("MatMul", new[] { "x", "W" }, new[] { "p" })
                .Node("Add", new[] { "b", "p" }, new[] { "q" })
                .Node("Sigmoid", new[] { "q" }, new[] { "y" }));
        }

        [Fact]
        public void Activations_chain()
        {
            AssertMatchesOrt(new ModelBuilder(opset: 13).Input("x", null, 33).Output("y", null, 33)
                .Node("LeakyRelu", new[] { "x" }, new[] { "a" }, "", Float("alpha", 0.2f))
                .Node("Tanh", new[] { "a" }, new[] { "b" })
                .Node("Relu", new[] { "b" }, new[] { "c" })
                .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "d" })
                .Initializer("lo", new long[0], new[] { 0.1f })
                .Initializer("hi", new long[0], new[] { 0.6f })
                .Node("LogSoftmax", new[] { "d" }, new[] { "y" }));
        }

        [Fact]
        public void Opset_11_softmax_flattens_trailing_dims()
        {
            AssertMatchesOrt(new ModelBuilder(opset: 11).Input("x", null, 3, 4).Output("y", null, 3, 4)
                .Node("Softmax", new[] { "x" }, new[] { "y" }, "", Int("axis", 1)));
        }

        [Fact]
        public void Views_and_broadcast_arithmetic()
        {
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 2, 3, 4).Output("y", null, 12, 2)
                .Node("Flatten", new[] { "x" }, new[] { "f" })
                .Initializer("scale", new long[] { 24 }, RandomWeights(24, 7))
                .Node("Mul", new[] { "f", "scale" }, new[] { "m" })
                .Initializer("d", new long[] { 1 }, new[] { 4f })
                .Node("Div", new[] { "m", "d" }, new[] { "q" })
                .Int64Initializer("shape", 0, 12, -1)
                .Node("Reshape", new[] { "q", "shape" }, new[] { "r" })
                .Initializer("s", new long[] { 12, 1 }, RandomWeights(12, 8))
                .Node("Sub", new[] { "r", "s" }, new[] { "t" })
                .Node("Dropout", new[] { "t" }, new[] { "u" })
                .Node("Identity", new[] { "u" }, new[] { "y" }));
        }

        [Fact]
        public void Several_inputs_and_outputs_in_graph_order()
        {
            AssertMatchesOrt(new ModelBuilder().Input("left", null, 8).Input("right", null, 8).Output("logits", null, 4).Output("probs", null, 4).Output("sum", null, 8)
                .Node("Add", new[] { "left", "right" }, new[] { "sum" })
                .Initializer("W", new long[] { 4, 8 }, RandomWeights(32, 9, 0.5))
                .Node("Gemm", new[] { "sum", "W" }, new[] { "logits" }, "", Int("transB", 1))
                .Node("Softmax", new[] { "logits" }, new[] { "probs" }));
        }

        [Fact]
        public void Output_that_is_an_input_or_a_constant_is_copied()
        {
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 4).Output("y", null, 4).Output("same", null, 4).Output("k", 2)
                .Node("Relu", new[] { "x" }, new[] { "y" })
                .Node("Identity", new[] { "x" }, new[] { "same" })
                .Node("Constant", new string[0], new[] { "k" }, "", new OnnxAttribute { Name = "value_floats", Type = OnnxAttributeType.Floats, Floats = { 1.5f, -2f } }));
        }

        [Fact]
        public void Initializers_listed_as_inputs_are_constants()
        {
            // Older exporters list every initializer among the graph inputs too.
            var builder = Mlp(8, 6, 3, seed: 11, zeroFraction: 0.6);
            foreach (var init in builder.Model.Graph!.Initializers)
                builder.Model.Graph.Inputs.Add(new OnnxValueInfo { Name = init.Name, TypeKind = "tensor", ElementType = OnnxDataType.Float, Shape = init.Dims.Select(d => new OnnxDim { Value = d }).ToList() });
            var model = CompiledModel.Load(builder.Build());
            Assert.Equal(1, model.InputCount);
        }

        [Fact]
        public void Dead_rows_and_all_zero_layers_are_exact()
        {
            var w1 = RandomWeights(10 * 6, 12, 0.5);
            for (int c = 0; c < 6; c++) w1[3 * 6 + c] = 0f;   // neuron 3 has no weights
            AssertMatchesOrt(new ModelBuilder().Input("x", null, 6).Output("y", null, 5)
                .Initializer("W1", new long[] { 10, 6 }, w1)
                .Initializer("W2", new long[] { 5, 10 }, new float[50])
                .Initializer("b2", new long[] { 5 }, RandomWeights(5, 13))
                .Node("Gemm", new[] { "x", "W1" }, new[] { "h" }, "", Int("transB", 1))
                .Node("Relu", new[] { "h" }, new[] { "r" })
                .Node("Gemm", new[] { "r", "W2", "b2" }, new[] { "y" }, "", Int("transB", 1)));
        }

        [Theory]
        [InlineData("Relu")]
        [InlineData("Sigmoid")]
        [InlineData("Tanh")]
        public void Dead_neurons_are_removed_and_their_constant_outputs_folded(string activation)
        {
            // 12 hidden neurons, 5 of them with all-zero weights but nonzero biases: after the activation they
            // are constants, which the build folds into the next layer's bias before dropping them.
            var w1 = RandomWeights(12 * 6, 31, 0.3);
            foreach (int dead in new[] { 0, 3, 4, 9, 11 })
                for (int c = 0; c < 6; c++) w1[dead * 6 + c] = 0f;
            var builder = new ModelBuilder().Input("x", null, 6).Output("y", null, 4)
                .Initializer("W1", new long[] { 12, 6 }, w1)
                .Initializer("b1", new long[] { 12 }, RandomWeights(12, 32))
                .Initializer("W2", new long[] { 4, 12 }, RandomWeights(48, 33))
                .Initializer("b2", new long[] { 4 }, RandomWeights(4, 34))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h" }, "fc1", Int("transB", 1))
                .Node(activation, new[] { "h" }, new[] { "a" })
                .Node("Gemm", new[] { "a", "W2", "b2" }, new[] { "y" }, "fc2", Int("transB", 1));
            var source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("was [1,6] -> [1,12]; 5 constant neuron(s) removed here", source);
            Assert.Contains("5 input(s) dropped", source);
            AssertMatchesOrt(builder, batch: 5, atol: 1e-5f, KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled);
        }

        [Theory]
        [InlineData("Softmax", 9)]
        [InlineData("LogSoftmax", 40)]
        public void Sparse_mlp_batches_through_the_batch_kernels_with_a_softmax_epilogue(string softmax, int batch)
        {
            var builder = Mlp(20, 24, 6, seed: 51, zeroFraction: 0.85);
            builder.Model.Graph!.Nodes[2].Outputs[0] = "logits";
            builder.Node(softmax, new[] { "logits" }, new[] { "y" });
            var source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Run_Batch(", source);
            Assert.Contains($"log: {(softmax == "LogSoftmax" ? "true" : "false")}", source);
            AssertMatchesOrt(builder, batch, atol: 1e-5f, KernelChoice.Auto, KernelChoice.DenseSimd, KernelChoice.BlockSparse, KernelChoice.SparseRows, KernelChoice.Unrolled);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(3)]
        [InlineData(15)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(100)]
        public void Dense_kernel_tails_for_every_remainder(int k)
        {
            // k covers: below every vector width, exact widths, and each masked-tail remainder.
            AssertMatchesOrt(Mlp(k, 7, 5, seed: k), batch: 2, atol: 1e-4f, KernelChoice.DenseSimd);
        }

        [Theory]
        [InlineData(1, 1, 0.0)]
        [InlineData(3, 7, 0.5)]
        [InlineData(17, 63, 0.9)]
        [InlineData(63, 17, 0.99)]
        [InlineData(7, 3, 1.0)]
        [InlineData(100, 1000, 0.9)]
        public void Every_kernel_on_awkward_sizes_and_sparsities(int k, int n, double sparsity)
        {
            // One dense layer, every kernel, batch 1 / 2 / 7 / 64, against ONNX Runtime.
            var builder = new ModelBuilder().Input("x", null, k).Output("y", null, n)
                .Initializer("W", new long[] { n, k }, RandomWeights(n * k, k * 1000 + n, sparsity))
                .Initializer("b", new long[] { n }, RandomWeights(n, 5))
                .Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "", Int("transB", 1));
            foreach (int batch in new[] { 1, 2, 7, 64 })
                AssertMatchesOrt(builder, batch, atol: 1e-4f, KernelChoice.DenseSimd, KernelChoice.SparseRows, KernelChoice.BlockSparse, KernelChoice.Unrolled, KernelChoice.Auto);
        }

        [Fact]
        public void Block_pruned_layer_picks_the_block_kernel()
        {
            // 90% of the 8x1 blocks (8 outputs x 1 input) are zero: the planner must see the structure (it may
            // pick 16x1 blocks, which are 19% occupied, on the same weights).
            int k = 96, n = 64;
            var w = RandomWeights(n * k, 41);
            var random = new Random(42);
            for (int t = 0; t < n / 8; t++)
                for (int c = 0; c < k; c++)
                    if (random.NextDouble() < 0.9)
                        for (int r = t * 8; r < t * 8 + 8; r++) w[r * k + c] = 0f;
            var builder = new ModelBuilder().Input("x", null, k).Output("y", null, n)
                .Initializer("W", new long[] { n, k }, w)
                .Node("Gemm", new[] { "x", "W" }, new[] { "y" }, "", Int("transB", 1));
            var source = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.True(source.Contains("Kernels.BlockColumns("), source.Substring(0, 900));
            AssertMatchesOrt(builder, batch: 3, atol: 1e-4f, KernelChoice.Auto);
        }

        [Fact]
        public void Large_intermediate_uses_a_per_thread_buffer_without_allocating_per_call()
        {
            // 20,000 hidden units: above the 16K-float stack limit for scratch.
            var builder = Mlp(2, 20_000, 2, seed: 21, zeroFraction: 0.3);
            var result = ModelCompiler.Compile(builder.Build(), new CompileOptions("Model", "Tests", "model.onnx"));
            Assert.Contains("[ThreadStatic]", result.Source);
            // Outputs are sums of ~18,000 terms of magnitude ~1: float32 summation order alone moves them by ~1e-3.
            AssertMatchesOrt(builder, batch: 2, atol: 2e-2f, KernelChoice.Auto);
            var model = CompiledModel.Load(builder.Build(), KernelChoice.Auto);
            Assert.Equal(0, model.AllocatedBytes(new[] { new float[] { 0.5f, -1f } }, iterations: 50));
        }
    }
}
