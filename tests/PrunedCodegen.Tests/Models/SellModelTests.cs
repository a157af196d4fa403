using System;
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
            var data = new TheoryData<int, int, double>();
            var sizes = new[] { 1, 3, 7, 17, 63, 100, 1000 };
            var sparsities = new[] { 0.0, 0.5, 0.9, 0.99, 1.0 };
            int i = 0;
            foreach (int k in sizes)
                foreach (int n in sizes)
                {
                    if (k * n > 100 * 1000) continue;   // 1000 x 1000: covered by the MLP below
                    data.Add(k, n, sparsities[i++ % sparsities.Length]);
                }
            // Every sparsity on the multi-tile, multi-group sizes.
            foreach (double s in sparsities) { data.Add(100, 63, s); data.Add(1000, 17, s); }
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

        [Fact]
        public void Sell_is_forceable_per_layer_and_its_layout_is_described()
        {
            byte[] onnx = Mlp(64, 128, 10, seed: 5, zeroFraction: 0.9).Build();
            var result = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=sell;1=dense" });
            Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
            var source = result.Source!;
            Assert.Contains("Kernels.Sell(Layer0_SellWeights", source);
            Assert.Contains("Kernels.DenseColumns(Layer1_Weights", source);
            // 128 rows = 8 groups of 16; 64 inputs = 2 tiles of 32.
            Assert.Contains("SELL-16 (rows sorted by nonzeros, 8 groups of 16 x 2 tiles of 32 inputs", source);
            Assert.Matches(@"90\.4%  SELL-16 \(~", source);
        }

        [Fact]
        public void Auto_chooses_sell_for_a_large_unstructured_layer_only()
        {
            // 784 -> 512 at 90% random zeros: SELL is estimated at about a third of the best other kernel.
            var big = ModelCompiler.Compile(Mlp(784, 512, 10, seed: 1, zeroFraction: 0.9).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.Contains("Kernels.Sell(Layer0_SellWeights", big);
            // Dense layers, and small sparse ones (the per-call cost), keep their kernels.
            var dense = ModelCompiler.Compile(Mlp(784, 512, 10, seed: 1).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.DoesNotContain("Kernels.Sell(", dense);
            var small = ModelCompiler.Compile(Mlp(64, 128, 10, seed: 1, zeroFraction: 0.9).Build(), new CompileOptions("Model", "Tests", "model.onnx")).Source!;
            Assert.DoesNotContain("Kernels.Sell(", small);
        }
    }
}
