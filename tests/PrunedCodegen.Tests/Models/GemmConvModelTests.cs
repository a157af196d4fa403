using System;
using System.Linq;
using PrunedCodegen.Onnx;
using PrunedCodegen.Tests.Infrastructure;
using static PrunedCodegen.Tests.Infrastructure.ModelBuilder;

namespace PrunedCodegen.Tests.Models
{
    /// <summary>
    /// Pointwise (1x1, stride 1, unpadded, group 1) convolutions through the GEMM micro-kernel (Kernel=gemm, and auto where
    /// the cost model picks it), over awkward channel, filter and map counts (panels of 12 with a partial last one, plane
    /// sizes that leave Vector256/128 and scalar columns), 1-D and 2-D maps, zero weights, batches, fused ReLU / Clip and
    /// unfused activations, NaN and infinity inputs, compared with ONNX Runtime. Category Kernels: CI runs these once per
    /// instruction set.
    /// </summary>
    [Trait("Category", "Kernels")]
    public class GemmConvModelTests
    {
        /// <summary>x[batch, cin, spatial...] -> Conv 1x1 (cout filters, bias or not) [-> Relu | Clip(-0.5, 0.75) | Sigmoid] -> y.</summary>
        private static ModelBuilder Pointwise(int cin, int cout, long[] spatial, double zeroFraction, bool bias, string activation, int seed)
        {
            var builder = new ModelBuilder().Input("x", new long?[] { null, cin }.Concat(spatial.Select(d => (long?)d)).ToArray())
                .Output("y", Enumerable.Repeat<long?>(null, 2 + spatial.Length).ToArray())
                .Initializer("W", new long[] { cout, cin }.Concat(spatial.Select(_ => 1L)).ToArray(), RandomWeights(cout * cin, seed, zeroFraction));
            if (bias) builder.Initializer("B", new long[] { cout }, RandomWeights(cout, seed + 1));
            string convOut = activation == "none" ? "y" : "c";
            builder.Node("Conv", bias ? new[] { "x", "W", "B" } : new[] { "x", "W" }, new[] { convOut }, "pointwise", Ints("kernel_shape", spatial.Select(_ => 1L).ToArray()));
            if (activation == "relu") builder.Node("Relu", new[] { "c" }, new[] { "y" });
            if (activation == "sigmoid") builder.Node("Sigmoid", new[] { "c" }, new[] { "y" });
            if (activation == "clip")
                builder.Initializer("lo", Array.Empty<long>(), new[] { -0.5f }).Initializer("hi", Array.Empty<long>(), new[] { 0.75f })
                    .Node("Clip", new[] { "c", "lo", "hi" }, new[] { "y" });
            return builder;
        }

        private static string AssertMatchesOrt(ModelBuilder builder, int cin, long[] spatial, int batch, KernelChoice kernel, bool specials = false)
        {
            byte[] onnx = builder.Build();
            var model = CompiledModel.Load(onnx, kernel);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * batch, 13, 2f);
            if (specials)
            {
                data[0] = float.NaN;
                data[data.Length / 2] = float.PositiveInfinity;
                data[data.Length - 1] = float.NegativeInfinity;
            }
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { batch, cin }.Concat(spatial).ToArray()));
            var actual = batch == 1 ? model.Predict(data) : model.PredictBatch(batch, data);
            Tolerance.AssertClose(expected[0].Data, actual[0], 3e-5f, 2e-5f, $"GEMM pointwise conv vs ONNX Runtime ({kernel})");
            return ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = kernel }).Source!;
        }

        // in channels, out channels, spatial (comma separated), zero fraction, bias, activation, batch
        [Theory]
        [InlineData(1, 1, "1,1", 0.0, true, "none", 1)]         // one filter, one channel, one position: scalar column
        [InlineData(3, 8, "3,5", 0.0, true, "relu", 2)]         // 15 positions: Vector256 + Vector128 + scalar leftovers
        [InlineData(8, 17, "7,7", 0.5, true, "clip", 7)]        // 49 positions, 17 filters: a partial last panel
        [InlineData(17, 33, "32,32", 0.0, true, "relu", 1)]     // 1024 positions: 12x2 tiles only, 33 filters
        [InlineData(16, 32, "48,48", 0.0, false, "clip", 1)]    // MobileNet's first pointwise layer, no bias
        [InlineData(64, 64, "25,5", 0.0, true, "relu", 2)]      // DS-CNN's pointwise layer: 125 positions
        [InlineData(128, 128, "6,6", 0.3, true, "clip", 1)]     // MobileNet 6x6: 32 + 4 positions
        [InlineData(33, 12, "3,3", 0.9, true, "none", 7)]       // 9 positions: Vector256 + a scalar column
        [InlineData(8, 8, "7,7", 1.0, true, "relu", 2)]         // every weight zero: ReLU of the bias
        [InlineData(17, 13, "9,10", 0.0, true, "sigmoid", 2)]   // an activation applied in a pass after the GEMM
        [InlineData(3, 8, "50", 0.0, true, "relu", 2)]          // 1-D
        [InlineData(17, 17, "1", 0.5, false, "clip", 1)]        // 1-D, a single position
        [InlineData(8, 25, "37", 0.0, true, "none", 7)]
        public void Gemm_matches_ORT(int cin, int cout, string spatialCsv, double zeroFraction, bool bias, string activation, int batch)
        {
            long[] spatial = spatialCsv.Split(',').Select(long.Parse).ToArray();
            var builder = Pointwise(cin, cout, spatial, zeroFraction, bias, activation, cin * 31 + cout);
            string source = AssertMatchesOrt(builder, cin, spatial, batch, KernelChoice.Gemm);
            Assert.Contains("Kernels.Gemm(", source);
            Assert.Contains("conv pointwise GEMM", source);
            Assert.DoesNotContain("Kernels.ConvPointwise(", source);
            if (activation is "relu" or "clip")
            {
                Assert.DoesNotContain("Kernels.Relu(", source);
                Assert.DoesNotContain("Kernels.Clip(", source);
            }
        }

        /// <summary>NaN and infinities in the input propagate as in ONNX Runtime (NaN through the fused clamp too).</summary>
        [Theory]
        [InlineData("relu", 1)]
        [InlineData("clip", 2)]
        [InlineData("none", 7)]
        public void Gemm_with_NaN_and_infinity_inputs_matches_ORT(string activation, int batch)
        {
            long[] spatial = { 7, 9 };
            AssertMatchesOrt(Pointwise(17, 13, spatial, 0.0, true, activation, 3), 17, spatial, batch, KernelChoice.Gemm, specials: true);
        }

        /// <summary>Auto takes the GEMM for dense MobileNet-sized pointwise layers and names it with its estimate; very sparse ones keep the pointwise kernel.</summary>
        [Theory]
        [InlineData(0.0, "Kernels.Gemm(")]
        [InlineData(0.5, "Kernels.Gemm(")]
        [InlineData(0.9, "Kernels.ConvPointwise(")]
        public void Auto_picks_gemm_for_dense_pointwise_layers(double zeroFraction, string call)
        {
            long[] spatial = { 32, 32 };
            string source = AssertMatchesOrt(Pointwise(32, 32, spatial, zeroFraction, true, "relu", 9), 32, spatial, 1, KernelChoice.Auto);
            Assert.Contains(call, source);
            Assert.Contains(", GEMM ", source);
        }

        /// <summary>Kernel=gemm leaves convs the GEMM path does not take (padded, strided, 3x3) on their other kernels, still correct.</summary>
        [Fact]
        public void Gemm_choice_leaves_other_convs_alone()
        {
            var onnx = new ModelBuilder().Input("x", null, 8, 9, 9).Output("y", null, 8, 5, 5)
                .Initializer("W", new long[] { 8, 8, 1, 1 }, RandomWeights(64, 3))
                .Node("Conv", new[] { "x", "W" }, new[] { "y" }, "strided", Ints("kernel_shape", 1, 1), Ints("strides", 2, 2)).Build();
            var model = CompiledModel.Load(onnx, KernelChoice.Gemm);
            var data = CompiledModel.RandomInput(model.InputLengths[0] * 2, 4, 2f);
            var expected = OrtOracle.Run(onnx, OracleInput.Float("x", data, new long[] { 2, 8, 9, 9 }));
            Tolerance.AssertClose(expected[0].Data, model.PredictBatch(2, data)[0], 2e-5f, 1e-5f, "strided 1x1 vs ONNX Runtime");
            string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { Kernel = KernelChoice.Gemm }).Source!;
            Assert.DoesNotContain("Kernels.Gemm(", source);
        }

        /// <summary>LayerKernels accepts gemm for one layer.</summary>
        [Fact]
        public void LayerKernels_can_force_gemm()
        {
            var onnx = Pointwise(8, 8, new long[] { 4, 4 }, 0.9, true, "relu", 5).Build();
            string source = ModelCompiler.Compile(onnx, new CompileOptions("Model", "Tests", "model.onnx") { LayerKernels = "0=gemm" }).Source!;
            Assert.Contains("Kernels.Gemm(", source);
            Assert.Equal(KernelChoice.Gemm, CompileOptions.ParseKernel("gemm"));
        }
    }
}
