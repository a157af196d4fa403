using System;
using System.Collections.Generic;
using System.Linq;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// The SELL-16 kernel (Runtime/SellKernels.cs, Planning/SellLayout.cs) forced with Kernel=sell, against ONNX Runtime:
    /// single dense layers (with and without a fused ReLU) and MLPs of awkward sizes (1 to 1000 inputs and outputs: partial
    /// groups of 16 rows, partial tiles of 32 inputs), 0/50/90/99/100% zero weights, inputs with exact zeros, NaN and
    /// infinities, batch 1 (Predict: SELL) and 2/7 (the batch path). Which vector path runs depends on the machine: the
    /// CI matrix runs these with AVX-512, AVX2 only and no SIMD (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0,
    /// DOTNET_EnableHWIntrinsic=0).
    /// </summary>
    [Trait("Category", "Kernels")]
    public class SellModelTests
    {
        private static byte[] Layer(int k, int n, double zeroFraction, int seed, bool relu)
        {
            var builder = new ModelBuilder()
                .Input("x", null, k)
                .Output("y", null, n)
                .Initializer("W", new long[] { n, k }, RandomWeights(n * k, seed, zeroFraction))
                .Initializer("b", new long[] { n }, RandomWeights(n, seed + 1));
            if (relu)
                builder.Node("Gemm", new[] { "x", "W", "b" }, new[] { "h" }, "fc", Int("transB", 1)).Node("Relu", new[] { "h" }, new[] { "y" }, "relu");
            else
                builder.Node("Gemm", new[] { "x", "W", "b" }, new[] { "y" }, "fc", Int("transB", 1));
            return builder.Build();
        }

        private static void AssertUsesSell(byte[] onnx, int layers)
        {
            var source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.Sell }).Source!;
            for (int i = 0; i < layers; i++)
                if (!source.Contains($"Kernels.Sell(Layer{i}_SellWeights") && !source.Contains($"Kernels.Sell(Layer{i + 1}_SellWeights"))
                    Assert.Fail($"layer {i} does not call Kernels.Sell");
            Assert.Contains("SELL-16", source);
        }

        public static TheoryData<int, int, double> LayerCases()
        {
            var cases = new List<(int K, int N, double Sparsity)>();
            var sizes = new[] { 1, 3, 7, 17, 63, 100, 1000 };
            var sparsities = new[] { 0.0, 0.5, 0.9, 0.99, 1.0 };
            int i = 0;
            foreach (int k in sizes)
                foreach (int n in sizes)
                {
                    if (k * n > 100 * 1000) continue;   // 1000 x 1000: covered by the MLP below
                    cases.Add((k, n, sparsities[i++ % sparsities.Length]));
                }
            // Every sparsity on the multi-tile, multi-group sizes (without repeating a case above: xunit would skip it).
            foreach (double s in sparsities) { cases.Add((100, 63, s)); cases.Add((1000, 17, s)); }
            var data = new TheoryData<int, int, double>();
            foreach (var (k, n, sparsity) in cases.Distinct()) data.Add(k, n, sparsity);
            return data;
        }

        [Theory]
        [MemberData(nameof(LayerCases))]
        public void Forced_sell_layer_matches_ONNX_Runtime(int k, int n, double sparsity)
        {
            int seed = k * 131 + n * 7 + (int)(sparsity * 100);
            foreach (bool relu in new[] { false, true })
            {
                byte[] onnx = Layer(k, n, sparsity, seed, relu);
                AssertUsesSell(onnx, 1);
                var model = CompiledModel.Load(onnx, KernelChoice.Sell);
                var random = new Random(seed);
                foreach (double zeros in new[] { 0.0, 0.5, 0.8 })
                    foreach (int batch in new[] { 1, 2, 7 })
                    {
                        var x = CompiledModel.RandomInput(batch * k, seed + batch, 2f).Select(v => random.NextDouble() < zeros ? 0f : v).ToArray();
                        var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, batch, k))[0].Data;
                        var actual = batch == 1 ? model.Predict(x)[0] : model.PredictBatch(batch, x)[0];
                        Tolerance.AssertClose(expected, actual, 1e-4f, 1e-5f, $"{k}x{n}, {sparsity:P0} zero weights, relu {relu}, {zeros:P0} zero inputs, batch {batch}");
                    }
            }
        }

        [Theory]
        [InlineData(1, 3, 1, 0.5)]
        [InlineData(17, 63, 7, 0.9)]
        [InlineData(63, 100, 17, 0.99)]
        [InlineData(100, 1000, 10, 0.9)]
        [InlineData(1000, 100, 63, 0.9)]
        [InlineData(784, 512, 10, 0.95)]
        public void Forced_sell_MLP_matches_ONNX_Runtime(int k, int hidden, int n, double sparsity)
        {
            byte[] onnx = Mlp(k, hidden, n, seed: k + hidden + n, zeroFraction: sparsity).Build();
            AssertUsesSell(onnx, 2);
            var model = CompiledModel.Load(onnx, KernelChoice.Sell);
            var random = new Random(k);
            foreach (double zeros in new[] { 0.0, 0.8 })
                foreach (int batch in new[] { 1, 2, 7 })
                {
                    var x = CompiledModel.RandomInput(batch * k, 3 + batch, 2f).Select(v => random.NextDouble() < zeros ? 0f : v).ToArray();
                    var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, batch, k))[0].Data;
                    var actual = batch == 1 ? model.Predict(x)[0] : model.PredictBatch(batch, x)[0];
                    Tolerance.AssertClose(expected, actual, 1e-4f, 1e-5f, $"{k}-{hidden}-{n}, {sparsity:P0}, {zeros:P0} zero inputs, batch {batch}");
                }
        }

        /// <summary>
        /// A NaN or infinite input: wherever ONNX Runtime's result is not NaN, ours is the same (a padding lane that pointed
        /// at an input the row reads would turn w x inf + 0 x inf into NaN); where it is NaN (the row multiplies the input by
        /// a zero weight), ours may be finite, the documented difference of kernels that skip zero weights. Rows that read
        /// the input with a nonzero weight are NaN or the same infinity in both.
        /// </summary>
        [Theory]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        [InlineData(float.NegativeInfinity)]
        public void NaN_and_infinite_inputs_agree_wherever_ONNX_Runtime_is_not_NaN(float special)
        {
            foreach (var (k, n, sparsity) in new[] { (40, 33, 0.9), (100, 63, 0.5), (1000, 17, 0.99), (7, 20, 0.0) })
            {
                byte[] onnx = Layer(k, n, sparsity, seed: k + n, relu: false);
                var model = CompiledModel.Load(onnx, KernelChoice.Sell);
                var random = new Random(n);
                foreach (int at in new[] { 0, 1, k / 2, k - 1 })
                {
                    var x = CompiledModel.RandomInput(k, at + 1, 2f).Select(v => random.Next(2) == 0 ? 0f : v).ToArray();
                    x[at] = special;
                    var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, 1, k))[0].Data;
                    var actual = model.Predict(x)[0];
                    for (int i = 0; i < n; i++)
                    {
                        if (float.IsNaN(expected[i]) && !float.IsNaN(actual[i])) continue;   // the documented difference
                        Assert.True(Tolerance.IsClose(expected[i], actual[i], 1e-4f, 1e-5f),
                            $"{k}x{n} at {sparsity:P0}, x[{at}] = {special}: output {i} ONNX Runtime {expected[i]}, ours {actual[i]}");
                    }
                }
            }
        }

        /// <summary>Three dense layers, ReLU between them (the second hidden layer also behind a Clip), weights with random zeros.</summary>
        private static byte[] Mlp3(int k, int h1, int h2, int n, double sparsity, int seed) =>
            new ModelBuilder()
                .Input("x", null, k)
                .Output("y", null, n)
                .Initializer("W1", new long[] { h1, k }, RandomWeights(h1 * k, seed, sparsity))
                .Initializer("b1", new long[] { h1 }, RandomWeights(h1, seed + 1))
                .Initializer("W2", new long[] { h2, h1 }, RandomWeights(h2 * h1, seed + 2, sparsity))
                .Initializer("b2", new long[] { h2 }, RandomWeights(h2, seed + 3))
                .Initializer("W3", new long[] { n, h2 }, RandomWeights(n * h2, seed + 4, sparsity))
                .Initializer("b3", new long[] { n }, RandomWeights(n, seed + 5))
                .Node("Gemm", new[] { "x", "W1", "b1" }, new[] { "h1" }, "fc1", Int("transB", 1))
                .Node("Relu", new[] { "h1" }, new[] { "r1" }, "relu1")
                .Node("Gemm", new[] { "r1", "W2", "b2" }, new[] { "h2" }, "fc2", Int("transB", 1))
                .Node("Relu", new[] { "h2" }, new[] { "r2" }, "relu2")
                .Node("Gemm", new[] { "r2", "W3", "b3" }, new[] { "y" }, "fc3", Int("transB", 1))
                .Build();

        /// <summary>
        /// Build-time neuron reordering (Planning/SellNeuronOrder.cs): a SELL layer feeding a dense layer gets its neurons in
        /// SELL's row order and no row map (groups stored in place), the next layer's columns permuted to match, whatever
        /// kernel that layer runs; the model's output layer keeps its order. Same results as ONNX Runtime at batch
        /// 1 (Predict) and 2/7 (the batch path, which runs the reordered layers too).
        /// </summary>
        [Theory]
        [InlineData(64, 121, 55, 10, 0.9, "")]
        [InlineData(17, 100, 63, 7, 0.5, "")]
        [InlineData(100, 33, 17, 3, 0.99, "")]
        [InlineData(63, 100, 17, 10, 0.9, "0=sell;1=dense;2=sell")]
        [InlineData(63, 100, 17, 10, 0.9, "0=sell;1=sparse;2=block")]
        [InlineData(63, 100, 17, 10, 0.9, "0=dense;1=sell;2=unrolled")]
        public void Hidden_sell_layers_are_reordered_at_build_time_and_match_ONNX_Runtime(int k, int h1, int h2, int n, double sparsity, string layerKernels)
        {
            byte[] onnx = Mlp3(k, h1, h2, n, sparsity, seed: k + h1 + h2 + n);
            var options = layerKernels.Length == 0 ? new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.Sell }
                : new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = layerKernels };
            var result = ModelCompiler.Compile(onnx, options);
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            var source = result.Source!;
            var forced = layerKernels.Length == 0 ? new[] { "sell", "sell", "sell" } : layerKernels.Split(';').Select(e => e.Split('=')[1]).ToArray();
            for (int layer = 0; layer < 3; layer++)
            {
                if (forced[layer] != "sell") continue;
                bool hidden = layer < 2;
                Assert.Contains($"Kernels.Sell(Layer{layer}_SellWeights", source);
                // (The output layer keeps its order: a row map, unless its rows happen to be sorted already.)
                if (hidden) Assert.Contains($"private static ReadOnlySpan<int> Layer{layer}_SellRows => ReadOnlySpan<int>.Empty;", source);
            }
            Assert.Contains("Neurons reordered at build time into SELL-16's row order", source);
            Assert.Contains("Inputs permuted at build time to match the layer before", source);

            var model = GeneratedModel.Load(new[] { source, ModelCompiler.KernelsSource }, "Tests.Model");
            Assert.Empty(model.Warnings);
            var random = new Random(k);
            foreach (double zeros in new[] { 0.0, 0.5 })
                foreach (int batch in new[] { 1, 2, 7 })
                {
                    var x = CompiledModel.RandomInput(batch * k, 11 + batch, 2f).Select(v => random.NextDouble() < zeros ? 0f : v).ToArray();
                    var expected = OrtOracle.Run(onnx, OracleInput.Float("x", x, batch, k))[0].Data;
                    var actual = batch == 1 ? model.Predict(x)[0] : model.PredictBatch(batch, x)[0];
                    Tolerance.AssertClose(expected, actual, 1e-4f, 1e-5f, $"{k}-{h1}-{h2}-{n}, {sparsity:P0}, kernels '{layerKernels}', {zeros:P0} zero inputs, batch {batch}");
                }
        }

        [Fact]
        public void Sell_is_forceable_per_layer_and_its_layout_is_described()
        {
            byte[] onnx = Mlp(64, 128, 10, seed: 5, zeroFraction: 0.9).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=sell;1=dense" });
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            var source = result.Source!;
            Assert.Contains("Kernels.Sell(Layer0_SellWeights", source);
            Assert.Contains("Kernels.DenseColumnsPadded(Layer1_Weights", source);   // 10 outputs: rows padded to 16
            // 128 rows = 8 groups of 16; 64 inputs = 2 tiles of 32.
            Assert.Contains("SELL-16 (rows sorted by nonzeros, 8 groups of 16 x 2 tiles of 32 inputs", source);
            Assert.Matches(@"90\.4%  SELL-16 \(~", source);
        }

        [Fact]
        public void Auto_chooses_sell_for_unstructured_layers_that_are_large_enough()
        {
            // 784 -> 512 at 90% random zeros: SELL is estimated at about a third of the best other kernel.
            var big = ModelCompiler.Compile(Mlp(784, 512, 10, seed: 1, zeroFraction: 0.9).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Kernels.Sell(Layer0_SellWeights", big);
            // Dense layers keep their kernel; a small 90%-sparse hidden layer takes SELL now that its per-call cost is ~10 ns
            // (it was priced at 200), and the tiny output layer behind it (10 rows) stays dense.
            var dense = ModelCompiler.Compile(Mlp(784, 512, 10, seed: 1).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.DoesNotContain("Kernels.Sell(", dense);
            var small = ModelCompiler.Compile(Mlp(64, 128, 10, seed: 1, zeroFraction: 0.9).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Kernels.Sell(Layer0_SellWeights", small);
            Assert.DoesNotContain("Kernels.Sell(Layer2_SellWeights", small);
        }
    }
}
